import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, needs } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LaunchError, RunDirectoryError } from './errors.js';
import { followRun } from './follow-run.js';
import { launchFlagScaleRun } from './launch-flagscale-run.js';
import { parseRunConfig } from './parse-run-config.js';
import { readRunStatus } from './read-run-status.js';
import { stopRun } from './stop-run.js';
import type { TrainingEvent } from './training-event.js';

const prefix = fixturePath('flagai', 'indexed_dataset', 'demo_text_document');

// A stand-in for FlagScale's run.py: the same arguments, pid file and log tree, and a worker that prints
// Megatron's progress lines as Megatron does: an iteration line every log_interval-th iteration only, and at
// the end, on rank 0, "after training is done" and the final checkpoint (with its latest_checkpointed_iteration.txt
// tracker). MODE: complete (train_iters iterations), die (a CUDA error at iteration 3, or at the iteration
// after a space: "die 10"), hang (until stopped), refuse (run.py itself fails).
const standIn = String.raw`
import os, re, signal, subprocess, sys, time
args = sys.argv[1:]
config_path = args[args.index('--config-path') + 1]
action = [a for a in args if a.startswith('action=')][0].split('=')[1]
exp_dir = re.search(r'exp_dir: (.*)', open(os.path.join(config_path, 'train.yaml')).read()).group(1).strip()
task = open(os.path.join(config_path, 'train', 'aquila.yaml')).read()
train_iters = re.search(r'train_iters: (\d+)', task).group(1)
log_interval = re.search(r'log_interval: (\d+)', task).group(1)
mode = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'mode')).read().strip()
pids = os.path.join(exp_dir, 'logs', 'pids')
if action == 'stop':
    pid = int(open(os.path.join(pids, 'host_0_localhost.pid')).read())
    os.kill(pid, signal.SIGTERM)
    print('stopped', pid)
    sys.exit(0)
if mode == 'refuse':
    print('Traceback (most recent call last):\nhydra.errors.ConfigCompositionException: Could not load train/aquila')
    sys.exit(2)
rank_dir = os.path.join(exp_dir, 'logs', 'details', 'host_0_localhost', '20250101_000000.000000', 'default_abc', 'attempt_0')
for rank in ('0', '7'):
    os.makedirs(os.path.join(rank_dir, rank), exist_ok=True)
open(os.path.join(rank_dir, '0', 'stdout.log'), 'w').write('rank 0 prints nothing during training\n')
os.makedirs(pids, exist_ok=True)
worker = '''
import os, sys, time
log, rank0_log, mode, total, log_interval, checkpoints = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
kind, _, at = mode.partition(' ')
die_at = int(at or 3) if kind == 'die' else None
f = open(log, 'a')
def line(text, to=f):
    to.write(text + '\\n'); to.flush()
def save(iteration):
    os.makedirs(checkpoints, exist_ok=True)
    open(os.path.join(checkpoints, 'latest_checkpointed_iteration.txt'), 'w').write(str(iteration))
line('> building GPT model ...')
for i in range(1, 10**6):
    if i == die_at:
        line('Traceback (most recent call last):')
        line('  File \"train_gpt.py\", line 1, in <module>')
        line('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB')
        sys.exit(1)
    if kind != 'hang' and i > total:
        break
    if i % log_interval == 0:
        line(' [2025-01-01 00:00:%02d] iteration %8d/%8d | consumed samples: %12d | elapsed time per iteration (ms): 250.0 | learning rate: %.6E | global batch size:     8 | lm loss: %.6E | loss scale: 1.0 | grad norm: 1.500 | number of skipped iterations:   0 | number of nan iterations:   0 |' % (i % 60, i, total, 8 * i, 1e-4 * i / total, 10.0 / i))
    if i == 4:
        save(4)
        line('  successfully saved checkpoint from iteration       4 to ' + log)
    time.sleep(0.05)
rank0 = open(rank0_log, 'a')
line(' [after training is done] datetime: 2025-01-01 00:01:00 ', rank0)
save(total)
line('  successfully saved checkpoint from iteration %7d to %s [ t 1/1, p 1/1 ]' % (total, checkpoints), rank0)
'''
child = subprocess.Popen([sys.executable, '-c', worker, os.path.join(rank_dir, '7', 'stdout.log'), os.path.join(rank_dir, '0', 'stdout.log'), mode, train_iters, log_interval, os.path.join(exp_dir, 'checkpoints')], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
open(os.path.join(pids, 'host_0_localhost.pid'), 'w').write(str(child.pid))
print('launched', child.pid)
`;

// The stand-in is a Python script, as FlagScale's run.py is.
const python = needs({ python: true });
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aquila-flagscale-'));
  await mkdir(join(root, 'FlagScale'));
  await writeFile(join(root, 'FlagScale', 'run.py'), standIn);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function launch(mode: string, name: string, length = { trainIterations: 5, logInterval: 1 }) {
  await writeFile(join(root, 'FlagScale', 'mode'), mode);
  const config = parseRunConfig({
    file: join(root, `${name}.yaml`),
    text: `name: ${name}\nmodel: { sequenceLength: 1024 }\ndata: { blend: [{ prefix: ${prefix}, weight: 1 }], split: "90,10" }\nschedule: { trainIterations: ${length.trainIterations} }\nlogInterval: ${length.logInterval}\nflagscale: { root: FlagScale }\n`,
  });
  return launchFlagScaleRun({ config });
}

async function collect(directory: string, limit = Number.POSITIVE_INFINITY): Promise<TrainingEvent[]> {
  const events: TrainingEvent[] = [];
  // Bounded: a follow that never ends fails here instead of running into the test's timeout.
  for await (const event of followRun({ directory, pollIntervalMs: 50, signal: AbortSignal.timeout(30_000) })) {
    events.push(event);
    if (events.length >= limit) break;
  }
  return events;
}

describe.skipIf(python.skip)(`FlagScale runs through a stand-in run.py ${python.label}`, () => {
  it('launches, follows the last rank into events.jsonl and reports completion', async () => {
    const plan = await launch('complete', 'complete');
    const events = await collect(plan.runDirectory);
    expect(events.filter(({ type }) => type === 'iteration').map((event) => event.iteration)).toEqual([1, 2, 3, 4, 5]);
    expect(events.find(({ type }) => type === 'checkpoint')).toMatchObject({ iteration: 4 });
    expect(events[0]).toMatchObject({
      type: 'iteration',
      loss: 10,
      learningRate: 2e-5,
      gradNorm: 1.5,
      tokensPerSecond: 8 * 1024 * 4,
    });
    const lines = (await readFile(join(plan.runDirectory, 'events.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line) as TrainingEvent)).toEqual(events);
    const status = await readRunStatus({ directory: plan.runDirectory });
    expect(status.state).toBe('completed');
    expect(status.message).toBe('completed iteration 5/5, loss 2.0000');
    expect(status.logFile).toMatch(/attempt_0\/7\/stdout\.log$/);
    // A runner on another host cannot be probed from here: the log's last iteration ends the follow.
    await rename(
      join(plan.experimentDirectory, 'logs/pids/host_0_localhost.pid'),
      join(plan.experimentDirectory, 'logs/pids/host_1_node7.pid'),
    );
    expect((await collect(plan.runDirectory)).length).toBe(events.length);
    expect((await readRunStatus({ directory: plan.runDirectory })).processes).toEqual([
      { host: 'node7', pid: expect.any(Number), alive: undefined },
    ]);
  });

  it('reports a run as completed when train_iters is not a multiple of log_interval (Megatron logs only the multiples)', async () => {
    const plan = await launch('complete', 'uneven', { trainIterations: 10, logInterval: 3 });
    const events = await collect(plan.runDirectory);
    expect(events.filter(({ type }) => type === 'iteration').map((event) => event.iteration)).toEqual([3, 6, 9]);
    const status = await readRunStatus({ directory: plan.runDirectory });
    expect(status.state).toBe('completed');
    expect(status.message).toBe('completed iteration 10/10 (last logged: iteration 9, loss 1.1111)');
    // On another host the processes cannot be probed: the final checkpoint, not a logged iteration 10, ends the follow.
    await rename(
      join(plan.experimentDirectory, 'logs/pids/host_0_localhost.pid'),
      join(plan.experimentDirectory, 'logs/pids/host_1_node7.pid'),
    );
    expect((await collect(plan.runDirectory)).length).toBe(events.length);
    expect((await readRunStatus({ directory: plan.runDirectory })).state).toBe('completed');
  });

  it('reports a run that dies after its last logged iteration as died, and stops nothing when its PID now belongs to another process', async () => {
    const plan = await launch('die 10', 'uneven-die', { trainIterations: 10, logInterval: 3 });
    const events = await collect(plan.runDirectory);
    expect(events.filter(({ type }) => type === 'iteration').map((event) => event.iteration)).toEqual([3, 6, 9]);
    const status = await readRunStatus({ directory: plan.runDirectory });
    expect(status.state).toBe('died');
    expect(status.message).toMatch(
      /^the training processes are gone before the last iteration \(iteration 9\/10, loss 1\.1111\); see /,
    );
    // The launch recorded the runner's PID with its start time.
    const recordFile = join(plan.runDirectory, 'run.json');
    const record = JSON.parse(await readFile(recordFile, 'utf8')) as {
      runners: Array<{ host: string; pid: number; startTime: string }>;
    };
    expect(record.runners).toEqual([{ host: 'localhost', pid: expect.any(Number), startTime: expect.any(String) }]);

    // Later, another process holds the recorded PID (simulated: a live process recorded under another start time).
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await once(bystander, 'spawn');
      const pid = bystander.pid as number;
      await writeFile(join(plan.experimentDirectory, 'logs/pids/host_0_localhost.pid'), String(pid));
      await writeFile(
        recordFile,
        JSON.stringify({ ...record, runners: [{ host: 'localhost', pid, startTime: 'linux:another-boot:1' }] }),
      );
      const before = await readFile(recordFile, 'utf8');
      expect((await readRunStatus({ directory: plan.runDirectory })).processes).toEqual([
        { host: 'localhost', pid, alive: false },
      ]);
      expect(await stopRun({ directory: plan.runDirectory })).toMatchObject({ stopped: false, state: 'died' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // run.py action=stop never ran (it would have signalled the PID in the pid file), and run.json is as it was.
      expect([bystander.exitCode, bystander.signalCode]).toEqual([null, null]);
      expect(await readFile(join(plan.runDirectory, 'launcher.log'), 'utf8')).not.toContain('action=stop');
      expect(await readFile(recordFile, 'utf8')).toBe(before);
    } finally {
      if (bystander.exitCode === null && bystander.signalCode === null) {
        const exited = once(bystander, 'exit');
        bystander.kill('SIGKILL');
        await exited;
      }
    }
  });

  it('tells that the job died, and why', async () => {
    const plan = await launch('die', 'die');
    const events = await collect(plan.runDirectory);
    expect(events.map((event) => event.iteration)).toEqual([1, 2]);
    const status = await readRunStatus({ directory: plan.runDirectory });
    expect(status.state).toBe('died');
    expect(status.message).toMatch(
      /^the training processes are gone before the last iteration \(iteration 2\/5, loss 5\.0000\); see /,
    );
    expect(status.errorTail.at(-1)).toBe('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB');
  });

  it('stops a running job through action=stop', async () => {
    const plan = await launch('hang', 'hang');
    expect((await collect(plan.runDirectory, 2)).length).toBe(2);
    expect((await readRunStatus({ directory: plan.runDirectory })).state).toBe('running');
    await expect(launch('hang', 'hang')).rejects.toThrow(/still running; stop it first/);
    await stopRun({ directory: plan.runDirectory });
    const status = await readRunStatus({ directory: plan.runDirectory });
    expect(status.state).toBe('stopped');
    for (let tries = 0; tries < 100 && status.processes.length > 0; tries += 1) {
      const { processes } = await readRunStatus({ directory: plan.runDirectory });
      if (processes.every(({ alive }) => alive === false)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(
      (await readRunStatus({ directory: plan.runDirectory })).processes.every(({ alive }) => alive === false),
    ).toBe(true);
  });

  it('records a launcher that fails, and rejects directories that are not runs', async () => {
    await expect(launch('refuse', 'refuse')).rejects.toThrow(LaunchError);
    const status = await readRunStatus({ directory: join(root, 'runs', 'refuse') });
    expect(status.state).toBe('launch-failed');
    expect(status.errorTail.at(-1)).toBe('hydra.errors.ConfigCompositionException: Could not load train/aquila');
    await expect(readRunStatus({ directory: root })).rejects.toThrow(RunDirectoryError);
    const config = parseRunConfig({
      file: join(root, 'x.yaml'),
      text: `data: { blend: [{ prefix: ${prefix}, weight: 1 }] }\nmodel: { sequenceLength: 64 }\nflagscale: { root: nowhere }\n`,
    });
    await expect(launchFlagScaleRun({ config })).rejects.toThrow(/nowhere\/run\.py not found; set flagscale\.root/);
  });
});
