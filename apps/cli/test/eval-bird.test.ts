// `aquila eval --benchmark bird` as a user runs it: the built binary on BIRD mini-dev's fixture (synthetic
// databases), its reports and its one-line errors.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { birdMiniDevDirectory } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../src/test-support/run-built-cli.js';

const probes = `${birdMiniDevDirectory}quirk-probes/`;
const db = `${birdMiniDevDirectory}databases-synthetic`;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-eval-bird-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const eval_ = (...args: string[]) =>
  runBuiltCli({ args: ['eval', '--benchmark', 'bird', ...args], timeoutMs: 120_000 });
// The fields the official per-item files have.
const officialFields = ({ i, question_id, db_id, difficulty, ex, ex_damo, soft_f1 }: Record<string, unknown>) => ({
  i,
  question_id,
  db_id,
  difficulty,
  ex,
  ex_damo,
  soft_f1,
});
const probeArgs = ['--gold', `${probes}probes_gold.sql`, '--pred', `${probes}predict_probes.json`, '--db', db];

it('prints the official tables character for character and writes the per-item JSONL, JSON and HTML', async () => {
  const perItem = join(directory, 'items.jsonl');
  const json = join(directory, 'summary.json');
  const html = join(directory, 'report.html');
  const result = await eval_(
    ...probeArgs,
    ...['--questions', `${probes}probes.json`, '--per-item', perItem, '--json', json, '--html', html, '--strict'],
  );
  expect(result.status, result.stderr).toBe(0);
  const official = await Promise.all(
    ['ex', 'damo', 'f1'].map((script) => readFile(`${probes}official.${script}.txt`, 'utf8')),
  );
  expect(result.stdout.startsWith(official.join(''))).toBe(true);
  expect(result.stdout).toContain('strict changes: EX 2 questions, Soft-F1 5, DAMO EX 3');
  const officialItems = (await readFile(`${probes}probes.per-item.jsonl`, 'utf8'))
    .split('\n')
    .filter((line) => line.startsWith('{"db_id"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const items = (await readFile(perItem, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(items.map(officialFields)).toEqual(officialItems.map(officialFields));
  expect(items[33]).toMatchObject({ ex: 1, strict: { ex: 0, soft_f1: 0 } });
  expect(JSON.parse(await readFile(json, 'utf8'))).toMatchObject({
    count: { total: 41 },
    strict: { changed: { ex: 2 } },
  });
  const page = await readFile(html, 'utf8');
  expect(page).toContain('Scores by difficulty');
  expect(page).toContain('Scores by database');
  expect(page).toContain('EX and Soft-F1 disagree');
});

it('scores a published system on all 500 questions as the official scripts print it', async () => {
  const system = 'gpt-4-o_cot_SQLite';
  const result = await eval_(
    ...['--gold', `${birdMiniDevDirectory}mini_dev_sqlite_gold.sql`, '--db', db],
    ...['--pred', `${birdMiniDevDirectory}predictions/predict_mini_dev_${system}.json`],
    ...['--questions', `${birdMiniDevDirectory}mini_dev_sqlite.jsonl`],
  );
  expect(result.status, result.stderr).toBe(0);
  for (const script of ['ex', 'damo', 'f1'])
    expect(result.stdout).toContain(
      await readFile(`${birdMiniDevDirectory}official-results/${system}.synthetic.${script}.txt`, 'utf8'),
    );
});

it('reads one SQL a line, and computes R-VES over repeated runs', async () => {
  const gold = join(directory, 'gold.sql');
  const pred = join(directory, 'pred.sql');
  await writeFile(gold, 'SELECT 1\tsuperhero\nSELECT COUNT(*) FROM superhero\tsuperhero\nSELECT 2\tsuperhero\n');
  await writeFile(pred, 'SELECT 1\nSELECT COUNT(*) FROM superhero\nSELECT 3\n');
  const perItem = join(directory, 'lines.jsonl');
  const result = await eval_(
    ...['--gold', gold, '--pred', pred, '--db', db, '--metric', 'ex,soft-f1,r-ves'],
    ...['--ves-iterations', '5', '--ves-runs', '2', '--per-item', perItem],
  );
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toContain('start calculate R-VES');
  expect(result.stdout).toMatch(/R-VES over 2 runs of 5 iterations .*standard deviation \d+\.\d\d/);
  const items = (await readFile(perItem, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { ex: number; r_ves: number[] });
  expect(items.map((item) => item.ex)).toEqual([1, 1, 0]);
  expect(items[2]?.r_ves).toEqual([0, 0]);
  const scores = [0, 50, Math.sqrt(0.5) * 100, Math.sqrt(0.75) * 100, 100, Math.sqrt(1.25) * 100];
  for (const item of items.slice(0, 2)) for (const score of item.r_ves) expect(scores).toContain(score);
});

it('scores a runaway query 0 as a timeout, and goes on', async () => {
  const gold = join(directory, 'gold-endless.sql');
  const pred = join(directory, 'pred-endless.sql');
  await writeFile(gold, 'SELECT 1\tsuperhero\nSELECT 1\tsuperhero\n');
  const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c';
  await writeFile(pred, `${endless}\nSELECT 1\n`);
  const perItem = join(directory, 'endless.jsonl');
  const result = await eval_('--gold', gold, '--pred', pred, '--db', db, '--timeout', '1', '--per-item', perItem);
  expect(result.status, result.stderr).toBe(0);
  const items = (await readFile(perItem, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { ex: number; pred_error: string | null });
  expect(items).toMatchObject([
    { ex: 0, pred_error: 'timeout' },
    { ex: 1, pred_error: null },
  ]);
});

describe('bad input: one line on stderr, the right exit status', () => {
  const cases: { name: string; files?: Record<string, string>; args: string[]; exit: number; message: RegExp }[] = [
    {
      name: 'no --db',
      args: ['--gold', `${probes}probes_gold.sql`, '--pred', `${probes}predict_probes.json`],
      exit: 1,
      message: /needs --db.*\[AQUILA_SQL_EVALUATION_INPUT\]$/,
    },
    {
      name: 'an unknown metric',
      args: [...probeArgs, '--metric', 'ex,ves'],
      exit: 2,
      message: /use a comma-separated list of ex, soft-f1, r-ves.*\[AQUILA_USAGE\]$/,
    },
    {
      name: "Spider's --fixed",
      args: [...probeArgs, '--fixed'],
      exit: 2,
      message: /--fixed is for Spider and CSpider.*\[AQUILA_USAGE\]$/,
    },
    {
      name: 'an unknown benchmark',
      args: [...probeArgs, '--benchmark', 'wikisql'],
      exit: 2,
      message: /use spider, cspider or bird.*\[AQUILA_USAGE\]$/,
    },
    {
      name: 'a prediction file that is not JSON',
      files: { 'pred.json': '{"0": "SELECT 1\\t----- bird -----\\tsuperhero",}' },
      args: ['--gold', `${probes}probes_gold.sql`, '--pred', '$/pred.json', '--db', db],
      exit: 1,
      message: /not a JSON object: Expecting property name .*\[AQUILA_SQL_EVALUATION_INPUT\]$/,
    },
    {
      name: 'fewer predictions than gold lines',
      files: { 'pred.json': '{"0": "SELECT 1\\t----- bird -----\\tsuperhero"}' },
      args: ['--gold', `${probes}probes_gold.sql`, '--pred', '$/pred.json', '--db', db],
      exit: 1,
      message: /has 1 predictions but .*probes_gold\.sql has 41 gold queries.*\[AQUILA_SQL_EVALUATION_INPUT\]$/,
    },
    {
      name: 'a gold line without a db_id',
      files: { 'gold.sql': 'SELECT 1\tsuperhero\nSELECT 2\n', 'pred.sql': 'SELECT 1\nSELECT 2\n' },
      args: ['--gold', '$/gold.sql', '--pred', '$/pred.sql', '--db', db],
      exit: 1,
      message: /gold\.sql:2: expected SQL<TAB>db_id, found no tab.*\[AQUILA_SQL_EVALUATION_INPUT\]$/,
    },
    {
      name: 'a database the folder lacks',
      files: { 'gold.sql': 'SELECT 1\tno_such_db\n', 'pred.sql': 'SELECT 1\n' },
      args: ['--gold', '$/gold.sql', '--pred', '$/pred.sql', '--db', db],
      exit: 1,
      message: /has no .*no_such_db\.sqlite.*\[AQUILA_SQL_EVALUATION_INPUT\]$/,
    },
    {
      name: 'questions that do not align',
      files: { 'questions.json': '[{"difficulty": "simple"}]' },
      args: [...probeArgs, '--questions', '$/questions.json'],
      exit: 1,
      message: /has 1 questions but .* 41 gold queries.*\[AQUILA_SQL_EVALUATION_INPUT\]$/,
    },
  ];
  it.each(cases)('$name', async ({ files, args, exit, message }) => {
    for (const [name, text] of Object.entries(files ?? {})) await writeFile(join(directory, name), text);
    const result = await runBuiltCli({
      args: ['eval', '--benchmark', 'bird', ...args.map((arg) => arg.replaceAll('$', directory))],
      timeoutMs: 60_000,
    });
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^aquila eval: /);
    expect(lines[0]).toMatch(message);
    expect(result.status).toBe(exit);
  });

  it('--strict is for BIRD only', async () => {
    const result = await runBuiltCli({
      args: ['eval', '--gold', 'g', '--pred', 'p', '--tables', 't', '--strict'],
    });
    expect(result.stderr).toMatch(
      /^aquila eval: --strict is for --benchmark bird; see 'aquila eval --help' \[AQUILA_USAGE\]\n$/,
    );
    expect(result.status).toBe(2);
  });
});
