import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, needs } from '@aquila/test-kit';
import { RunDirectoryError } from '@aquila/train';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommand } from '../test-support/capture-output.js';
import { registerTrainCommand } from './train.js';

const prefix = fixturePath('flagai', 'indexed_dataset', 'demo_text_document');
const python = needs({ python: true });
let directory: string;

// A minimal run.py: it writes the last rank's log of a finished two-iteration job and a pid file of a gone process.
const runPy = String.raw`
import os, re, sys
config_path = sys.argv[sys.argv.index('--config-path') + 1]
exp_dir = re.search(r'exp_dir: (.*)', open(os.path.join(config_path, 'train.yaml')).read()).group(1).strip()
rank = os.path.join(exp_dir, 'logs', 'details', 'host_0_localhost', '20250101_000000.000000', 'default_x', 'attempt_0', '0')
os.makedirs(rank, exist_ok=True)
os.makedirs(os.path.join(exp_dir, 'logs', 'pids'), exist_ok=True)
with open(os.path.join(rank, 'stdout.log'), 'w') as log:
    for i in (1, 2):
        log.write(' iteration %d/ 2 | learning rate: 1.0E-04 | global batch size: 8 | lm loss: %.6E | grad norm: 1.0 | elapsed time per iteration (ms): 100.0 |\n' % (i, 3.0 / i))
open(os.path.join(exp_dir, 'logs', 'pids', 'host_0_localhost.pid'), 'w').write(str(os.getpid()))
`;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-train-'));
  await mkdir(join(directory, 'FlagScale'));
  await writeFile(join(directory, 'FlagScale', 'run.py'), runPy);
  await writeFile(
    join(directory, 'run.yaml'),
    `name: tiny\nmodel: { sequenceLength: 1024 }\ndata: { blend: [{ prefix: ${prefix}, weight: 1 }], split: "90,10" }\nschedule: { trainIterations: 2 }\nparallelism: { gpusPerNode: 1 }\nbatch: { microBatchSize: 8 }\nflagscale: { root: FlagScale }\n`,
  );
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function run(argv: string[]): Promise<{ out: string; err: string }> {
  return runCommand(registerTrainCommand, ['train', ...argv]);
}

it('aquila train --dry-run prints the FlagScale configs and command and runs nothing', async () => {
  const { out } = await run(['--config', join(directory, 'run.yaml'), '--dry-run']);
  expect(out.split('\n')[0]).toBe(
    '# FlagScale pretrain run "tiny": 2 iterations, 2 iterations of 8 samples of 1024 tokens',
  );
  expect(out).toContain(`# write ${join(directory, 'runs/tiny/config/train.yaml')}\ndefaults:\n  - train: aquila\n`);
  expect(out).toContain(
    `# run\ncd ${join(directory, 'FlagScale')} && python3 run.py --config-path ${join(directory, 'runs/tiny/config')} --config-name train action=run\n`,
  );
  await expect(readFile(join(directory, 'runs/tiny/run.json'))).rejects.toThrow(/ENOENT/);
});

it.skipIf(python.skip)(
  `aquila train launches, follows to the end, then status and plot tell about the run ${python.label}`,
  async () => {
    const { out } = await run(['--config', join(directory, 'run.yaml'), '--poll-interval', '20']);
    expect(out).toContain(
      'iteration 1/2 | loss 3.0000 | lr 1.000e-4 | grad norm 1.000 | 81920 tokens/s\niteration 2/2 | loss 1.5000',
    );
    expect(out).toContain('tiny (flagscale): completed\ncompleted iteration 2/2, loss 1.5000\n');
    const runDirectory = join(directory, 'runs/tiny');
    expect((await run(['status', runDirectory])).out).toMatch(/^tiny \(flagscale\): completed\n/);
    expect(JSON.parse((await run(['status', runDirectory, '--json'])).out)).toMatchObject({
      state: 'completed',
      eventCount: 2,
    });
    expect((await run(['plot', runDirectory])).out).toBe(
      `2 events → ${join(runDirectory, 'loss.svg')}, ${join(runDirectory, 'report.html')}\n`,
    );
    expect(await readFile(join(runDirectory, 'report.html'), 'utf8')).toContain(
      '<tr><th>state</th><td>completed</td></tr>',
    );
  },
);

it('aquila train --engine local trains a small model in-process', async () => {
  const sft = fixturePath(
    'flagai',
    'aquila-sql',
    'data',
    'sql_generate_from_spider_wikisql_train_weighted_sample.jsonl',
  );
  await writeFile(
    join(directory, 'local.yaml'),
    `name: local-sft\nmodel: { layers: 1, hiddenSize: 32, attentionHeads: 4, ffnHiddenSize: 64, sequenceLength: 64 }\ndata: { sftFile: ${sft} }\nschedule: { trainIterations: 4 }\nlogInterval: 2\n`,
  );
  const { out } = await run(['--config', join(directory, 'local.yaml'), '--engine', 'local']);
  expect(out.split('\n')[0]).toBe(
    `in-process sft run "local-sft": 1 layers × 32 (4 heads, FFN 64), 64 tokens, batch 1, 4 iterations → ${join(directory, 'runs/local-sft')}`,
  );
  expect(out).toMatch(/\niteration 2\/4 \| loss \d+\.\d{4} \| lr /);
  expect(out).toContain(`checkpoint at iteration 4 → ${join(directory, 'runs/local-sft/checkpoints/iter_0000004')}\n`);
  expect(out).toContain('local-sft (local): completed\n');
});

it('aquila train reports a missing run directory and bad flags', async () => {
  await expect(run(['status', join(directory, 'nothing')])).rejects.toThrow(RunDirectoryError);
  await expect(run(['--engine', 'gpu'])).rejects.toThrow(/use "flagscale" or "local"/);
  await expect(run([])).rejects.toThrow(/give a run config with --config FILE/);
});
