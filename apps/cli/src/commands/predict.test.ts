import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Test scaffolding of @aquila/text-to-sql: a converted model that answers every prompt with one SQL.
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { type RunningServer, startServer } from '@aquila/server';
import { spiderDirectory } from '@aquila/test-kit';
import {
  createOpenAiModel,
  generateSqlCandidates,
  sqlGenerationPresets,
  TextToSqlOptionsError,
} from '@aquila/text-to-sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Test scaffolding of @aquila/text-to-sql: a model whose SQL fails and whose repair runs.
import { repairScripts } from '../../../../packages/text-to-sql/src/test-support/repair-scripts.js';
import { runCommand } from '../test-support/capture-output.js';
import { runBuiltCli } from '../test-support/run-built-cli.js';
import { registerPredictCommand } from './predict.js';

let scripted: ScriptedModel;
let directory: string;
beforeAll(async () => {
  scripted = await writeScriptedModel({ scripts: [{ output: 'SELECT count(*) FROM singer' }] });
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-predict-'));
});
afterAll(async () => {
  await scripted?.remove();
  await rm(directory, { recursive: true, force: true });
});

interface VoteLine {
  i: number;
  candidates: { sql: string; seed: number; error: string | null }[];
  groups: number[][];
  chosen: number;
  answer: { from: string; sql: string };
  repairs: { sql: string; error: string | null }[];
}
const votesOf = async (folder: string): Promise<VoteLine[]> =>
  (await readFile(join(folder, 'votes.jsonl'), 'utf8'))
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as VoteLine);

const spider = [
  '--questions',
  `${spiderDirectory}dev.json`,
  '--tables',
  `${spiderDirectory}tables.json`,
  '--db',
  `${spiderDirectory}database`,
];

it('aquila predict --eval predicts, aligns, scores and writes the report; a re-run reuses the finished items', async () => {
  const out = join(directory, 'run');
  const argv = [
    'predict',
    '--benchmark',
    'spider',
    ...spider,
    '--model',
    scripted.path,
    '--threads',
    '1',
    '--out',
    out,
    '--ids',
    '0-3,10',
    '--eval',
    '--workers',
    '1',
  ];
  const first = await runCommand(registerPredictCommand, argv);
  expect(first.out).toContain(
    '5 questions: 5 with SQL, 0 without (empty prediction lines), 0 failed; 0 reused, 5 generated',
  );
  expect(first.out).toMatch(/execution\s+1\.000\s+/);
  expect(first.err).toMatch(/predict .*5\/5/);
  expect((await readFile(join(out, 'predict.txt'), 'utf8')).split('\n').slice(0, -1)).toEqual(
    Array(5).fill('SELECT count(*) FROM singer'),
  );
  expect(JSON.parse(await readFile(join(out, 'run.json'), 'utf8'))).toMatchObject({
    benchmark: 'spider',
    preset: 'greedy',
    model: { kind: 'local' },
    selection: { ids: [0, 1, 2, 3, 10], count: 5 },
  });
  expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('<svg');
  const again = await runCommand(registerPredictCommand, argv.slice(0, -3));
  expect(again.out).toContain('5 reused, 0 generated');
});

it('aquila predict asks for --db with spider and rejects bad --ids', async () => {
  await expect(
    runCommand(registerPredictCommand, [
      'predict',
      '--benchmark',
      'spider',
      '--questions',
      'q.json',
      '--tables',
      't.json',
      '--model',
      scripted.path,
      '--out',
      directory,
    ]),
  ).rejects.toThrow(TextToSqlOptionsError);
  await expect(
    runCommand(registerPredictCommand, [
      'predict',
      '--benchmark',
      'spider',
      ...spider,
      '--model',
      scripted.path,
      '--out',
      directory,
      '--ids',
      '5-2',
    ]),
  ).rejects.toThrow(/runs backwards/);
});

describe('aquila predict --samples N --vote exec', () => {
  // The scripted answer is so likely that a low temperature samples it every time.
  const sampling = ['--temperature', '0.05', '--threads', '1', '--workers', '1'];

  it('votes over the local runtime’s samples and records every vote in votes.jsonl', async () => {
    const out = join(directory, 'vote');
    const argv = [
      'predict',
      '--benchmark',
      'spider',
      ...spider,
      '--model',
      scripted.path,
      '--out',
      out,
      '--ids',
      '0-2',
    ];
    const { out: printed } = await runCommand(registerPredictCommand, [
      ...argv,
      '--samples',
      '5',
      '--vote',
      'exec',
      ...sampling,
    ]);
    expect(printed).toContain('3 questions: 3 with SQL');
    expect(printed).toContain('voted by execution over 5 samples each');
    expect(printed).toContain(join(out, 'votes.jsonl'));
    const votes = await votesOf(out);
    expect(votes.map(({ i }) => i)).toEqual([0, 1, 2]);
    for (const vote of votes) {
      expect(vote.candidates.map(({ seed }) => seed)).toEqual([0, 1, 2, 3, 4]);
      expect(vote).toMatchObject({ groups: [[0, 1, 2, 3, 4]], chosen: 0, answer: { from: 'vote' } });
    }
    expect(JSON.parse(await readFile(join(out, 'run.json'), 'utf8'))).toMatchObject({
      preset: 'sampled',
      generation: { temperature: 0.05, topP: 0.95 },
      vote: { by: 'exec', samples: 5, equality: 'spider', repair: null },
    });
  });

  it('--repair 1 sends a failing answer back with its error and records the round', async () => {
    const failing = await writeScriptedModel({
      scripts: repairScripts,
    });
    try {
      const out = join(directory, 'repair');
      const { out: printed } = await runCommand(registerPredictCommand, [
        'predict',
        '--benchmark',
        'spider',
        ...spider,
        '--model',
        failing.path,
        '--out',
        out,
        '--ids',
        '0-1',
        '--samples',
        '2',
        '--vote',
        'exec',
        '--repair',
        '1',
        ...sampling,
      ]);
      expect(printed).toContain('2 answers repaired');
      for (const vote of await votesOf(out)) {
        expect(vote.groups).toEqual([]);
        expect(vote.candidates.every(({ error }) => /no such table: nowhere/.test(error ?? ''))).toBe(true);
        expect(vote.repairs).toMatchObject([{ sql: 'select count(*) from singer', error: null }]);
        expect(vote.answer).toEqual({ from: 'repair', sql: 'select count(*) from singer' });
      }
      expect((await readFile(join(out, 'predict.txt'), 'utf8')).split('\n').slice(0, -1)).toEqual(
        Array(2).fill('select count(*) from singer'),
      );
    } finally {
      await failing.remove();
    }
  });

  describe('against aquila serve', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer({ model: scripted.path, port: 0, parallel: 4, threads: 1, log: null });
    });
    afterAll(() => server?.close({ drainTimeoutMs: 0 }));

    it('asks the server for n samples in one request and records every vote', async () => {
      const model = createOpenAiModel({ endpoint: server.url });
      const candidates = await generateSqlCandidates({
        model,
        prompt: '请为下面的问题编写sql查询语句：\n有几位歌手？ ',
        samples: 3,
        generation: { ...sqlGenerationPresets.sampled, temperature: 0.05 },
      });
      expect(candidates.map(({ sql, seed }) => [sql, seed])).toEqual([
        ['SELECT count(*) FROM singer', 0],
        ['SELECT count(*) FROM singer', 1],
        ['SELECT count(*) FROM singer', 2],
      ]);
      // Our server takes n: no fallback to one request per sample.
      expect(model.sendsN).toBe(true);
      const out = join(directory, 'served');
      await runCommand(registerPredictCommand, [
        'predict',
        '--benchmark',
        'spider',
        ...spider,
        '--endpoint',
        server.url,
        '--out',
        out,
        '--ids',
        '0-1',
        '--samples',
        '3',
        '--vote',
        'exec',
        '--repair',
        '1',
        '--temperature',
        '0.05',
        '--workers',
        '1',
      ]);
      const votes = await votesOf(out);
      expect(votes).toHaveLength(2);
      for (const vote of votes) expect(vote).toMatchObject({ groups: [[0, 1, 2]], repairs: [] });
    });
  });

  it('rejects flag combinations that cannot vote as usage errors, before loading the model', async () => {
    const run = (...extra: string[]) =>
      runCommand(registerPredictCommand, [
        'predict',
        '--benchmark',
        'cspider',
        '--questions',
        'q.json',
        '--tables',
        't.json',
        '--model',
        '/nonexistent',
        '--out',
        directory,
        ...extra,
      ]);
    await expect(run('--samples', '5')).rejects.toThrow(/--samples 5 needs --vote exec/);
    await expect(run('--repair', '1')).rejects.toThrow(/--repair needs --vote exec/);
    await expect(run('--samples', '5', '--vote', 'exec')).rejects.toThrow(
      /--vote exec runs the candidates on the databases; add --db/,
    );
    await expect(run('--samples', '5', '--vote', 'exec', '--db', 'x', '--preset', 'greedy')).rejects.toThrow(
      /--samples 5 with temperature 0 \(--preset greedy\) gives 5 equal candidates; add --temperature 0.8/,
    );
    await expect(run('--samples', '65')).rejects.toThrow(/from 1 to 64/);
    await expect(run('--vote', 'majority')).rejects.toThrow(/use exec/);
    await expect(run('--repair-budget', '100')).rejects.toThrow(/add --repair ROUNDS/);
  });

  it('exits 2 with one line for a usage error (the built binary)', async () => {
    const result = await runBuiltCli({
      args: [
        'predict',
        '--benchmark',
        'spider',
        ...spider,
        '--model',
        scripted.path,
        '--out',
        directory,
        '--samples',
        '5',
      ],
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "aquila predict: --samples 5 needs --vote exec (the candidates run on each question's database); see 'aquila predict --help' [AQUILA_USAGE]\n",
    );
  });
});
