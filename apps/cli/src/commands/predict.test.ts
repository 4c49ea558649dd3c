import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Test scaffolding of @aquila/text-to-sql: a converted model that answers every prompt with one SQL.
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { spiderDirectory } from '@aquila/test-kit';
import { TextToSqlOptionsError } from '@aquila/text-to-sql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommand } from '../test-support/capture-output.js';
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
