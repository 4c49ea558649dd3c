// `aquila predict --benchmark bird` as a user runs it: the built binary, a real converted model, BIRD mini-dev's
// files with the fixture's synthetic databases.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { birdMiniDevDirectory } from '@aquila/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runBuiltCli } from '../src/test-support/run-built-cli.js';

let directory: string;
let scripted: ScriptedModel;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-predict-bird-'));
  scripted = await writeScriptedModel({ scripts: [{ output: 'SELECT count(*) FROM customers' }] });
}, 120_000);
afterAll(async () => {
  await scripted?.remove();
  await rm(directory, { recursive: true, force: true });
});

const bird = [
  'predict',
  '--benchmark',
  'bird',
  '--questions',
  `${birdMiniDevDirectory}mini_dev_sqlite.json`,
  '--tables',
  `${birdMiniDevDirectory}dev_tables.json`,
];
const separator = '\t----- bird -----\t';

it('writes the official prediction JSON that BIRD loads, and continues the run when asked again', async () => {
  const out = join(directory, 'run');
  const args = [
    ...bird,
    '--db',
    `${birdMiniDevDirectory}databases-synthetic`,
    '--model',
    scripted.path,
    '--threads',
    '1',
    '--out',
    out,
    '--ids',
    '0,30,499',
  ];
  const first = await runBuiltCli({ args, timeoutMs: 120_000 });
  expect(first.stderr).not.toMatch(/AQUILA_/);
  expect(first.status).toBe(0);
  expect(first.stdout).toContain('3 questions: 3 with SQL, 0 without (empty prediction lines), 0 failed');
  expect(first.stdout).toContain(join(out, 'predict.json'));
  // mini_dev's package_sqls: the object's values in the file's order, each split on the separator.
  const text = await readFile(join(out, 'predict.json'), 'utf8');
  expect([...text.matchAll(/^ {4}"([^"]*)": /gm)].map((match) => match[1])).toEqual(['0', '1', '2']);
  const values = Object.values(JSON.parse(text) as Record<string, string>).map((value) => value.split(separator));
  expect(values).toEqual([
    ['SELECT count(*) FROM customers', 'debit_card_specializing'],
    ['SELECT count(*) FROM customers', 'student_club'],
    ['SELECT count(*) FROM customers', 'financial'],
  ]);
  const gold = (await readFile(`${birdMiniDevDirectory}mini_dev_sqlite_gold.sql`, 'utf8')).split('\n');
  expect(await readFile(join(out, 'gold.txt'), 'utf8')).toBe(`${[gold[0], gold[30], gold[499]].join('\n')}\n`);

  // The run folder is what aquila eval --benchmark bird scores, difficulty included.
  const perItem = join(directory, 'items.jsonl');
  const scored = await runBuiltCli({
    args: [
      ...['eval', '--benchmark', 'bird', '--gold', join(out, 'gold.txt'), '--pred', join(out, 'predict.json')],
      ...['--questions', join(out, 'questions.jsonl'), '--db', `${birdMiniDevDirectory}databases-synthetic`],
      ...['--workers', '1', '--per-item', perItem],
    ],
    timeoutMs: 120_000,
  });
  expect(scored.stderr).not.toMatch(/AQUILA_/);
  expect(scored.status).toBe(0);
  const verdicts = (await readFile(perItem, 'utf8'))
    .split('\n')
    .filter((line) => line.startsWith('{"i"') || line.includes('"question_id"'))
    .map((line) => JSON.parse(line) as { db_id: string; difficulty: string });
  expect(verdicts.map((item) => [item.db_id, item.difficulty])).toEqual([
    ['debit_card_specializing', 'simple'],
    ['student_club', 'simple'],
    ['financial', 'moderate'],
  ]);

  const again = await runBuiltCli({ args, timeoutMs: 120_000 });
  expect(again.stdout).toContain('3 reused, 0 generated');
  // Other prompts (example rows): refused in one line with its code, the folder as it was.
  const refused = await runBuiltCli({ args: [...args, '--sample-rows', '2'], timeoutMs: 120_000 });
  expect(refused.status).toBe(1);
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  expect(refused.stderr).toMatch(/the prompts of 3 questions.*--restart.*\[AQUILA_TEXT_TO_SQL_RUN_SETTINGS_CHANGED\]/);
  expect(await readFile(join(out, 'predict.json'), 'utf8')).toBe(text);
});

it('asks for --db, and with --eval scores the run as aquila eval --benchmark bird does', async () => {
  const out = join(directory, 'scored');
  const noDb = await runBuiltCli({ args: [...bird, '--model', scripted.path, '--out', out] });
  expect(noDb.status).toBe(1);
  expect(noDb.stderr).toMatch(/--benchmark bird needs --db.*\[AQUILA_TEXT_TO_SQL_OPTIONS\]/);
  const databases = `${birdMiniDevDirectory}databases-synthetic`;
  const withEval = await runBuiltCli({
    args: [
      ...bird,
      ...['--db', databases, '--model', scripted.path, '--threads', '1', '--out', out],
      ...['--ids', '0,30,499', '--workers', '1', '--eval'],
    ],
    timeoutMs: 120_000,
  });
  expect(withEval.stderr).not.toMatch(/AQUILA_/);
  expect(withEval.status).toBe(0);
  // The per-item verdicts beside the predictions, with the fixture's field names.
  const verdicts = (await readFile(join(out, 'items.jsonl'), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(verdicts.map((item) => [item.i, item.db_id, item.difficulty])).toEqual([
    [0, 'debit_card_specializing', 'simple'],
    [1, 'student_club', 'simple'],
    [2, 'financial', 'moderate'],
  ]);
  for (const item of verdicts)
    expect(Object.keys(item)).toEqual(expect.arrayContaining(['question_id', 'ex', 'soft_f1']));
  const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { ex: { total: number } };
  expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('<html');

  // The official tables printed are what aquila eval --benchmark bird prints for the same run folder.
  const scored = await runBuiltCli({
    args: [
      ...['eval', '--benchmark', 'bird', '--gold', join(out, 'gold.txt'), '--pred', join(out, 'predict.json')],
      ...['--questions', join(out, 'questions.jsonl'), '--db', databases, '--workers', '1'],
    ],
    timeoutMs: 120_000,
  });
  expect(scored.status).toBe(0);
  expect(scored.stdout).toContain('start calculate EX');
  expect(withEval.stdout).toContain(scored.stdout);
  expect(await readFile(join(out, 'report.txt'), 'utf8')).toBe(scored.stdout);
  const exLine = (text: string): string | undefined => text.split('\n').find((line) => line.startsWith('EX  '));
  expect(exLine(withEval.stdout)).toBe(exLine(scored.stdout));
  expect(exLine(withEval.stdout)).toContain(summary.ex.total.toFixed(2));
});
