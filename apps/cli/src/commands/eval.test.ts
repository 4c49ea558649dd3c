import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluationInputError } from '@aquila/sql-metrics';
import { fixturePath, flagaiDirectory } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../test-support/capture-output.js';
import { registerEvalCommand } from './eval.js';

const spider = `${fixturePath('spider-dev')}/`;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-eval-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function run(argv: string[]): Promise<{ out: string; err: string }> {
  return runCommand(registerEvalCommand, ['eval', ...argv]);
}

it('aquila eval prints the official table and writes the per-item JSONL, JSON summary and HTML report', async () => {
  const perItem = join(directory, 'items.jsonl');
  const json = join(directory, 'summary.json');
  const html = join(directory, 'report.html');
  const { out, err } = await run([
    '--gold',
    `${spider}quirk-probes/gold.sql`,
    '--pred',
    `${spider}quirk-probes/pred.sql`,
    '--db',
    `${spider}database`,
    '--tables',
    `${spider}tables.json`,
    '--per-item',
    perItem,
    '--json',
    json,
    '--html',
    html,
    '--fixed',
    '--workers',
    '1',
  ]);
  const official = await readFile(`${spider}quirk-probes/official-report.txt`, 'utf8');
  expect(out.startsWith(official.slice(official.indexOf(`${' '.repeat(21)}easy`)))).toBe(true);
  expect(out).toContain('exact (fixed)');
  expect(err).toMatch(/eval .*22\/22/);
  expect(await readFile(perItem, 'utf8')).toBe(await readFile(`${spider}quirk-probes/verdicts.jsonl`, 'utf8'));
  expect(JSON.parse(await readFile(json, 'utf8'))).toMatchObject({
    etype: 'all',
    count: { all: 22 },
    matched: { exact: { all: 10 }, exec: { all: 11 } },
  });
  expect(await readFile(html, 'utf8')).toContain('<svg');
});

it('aquila eval --engine sql.js gives the same per-item verdicts, and rejects an unknown engine', async () => {
  const perItem = join(directory, 'items-sql-js.jsonl');
  const args = [
    '--gold',
    `${spider}quirk-probes/gold.sql`,
    '--pred',
    `${spider}quirk-probes/pred.sql`,
    '--db',
    `${spider}database`,
    '--tables',
    `${spider}tables.json`,
    '--workers',
    '1',
  ];
  await run([...args, '--engine', 'sql.js', '--per-item', perItem]);
  expect(await readFile(perItem, 'utf8')).toBe(await readFile(`${spider}quirk-probes/verdicts.jsonl`, 'utf8'));
  await expect(run([...args, '--engine', 'sqlite'])).rejects.toThrow(/use auto or sql\.js/);
});

it('aquila eval stops with a typed error naming the files when lengths differ', async () => {
  const pred = join(directory, 'short.sql');
  await writeFile(pred, 'SELECT name FROM singer\n');
  await expect(
    run([
      '--gold',
      `${spider}quirk-probes/gold.sql`,
      '--pred',
      pred,
      '--db',
      `${spider}database`,
      '--tables',
      `${spider}tables.json`,
    ]),
  ).rejects.toSatisfy(
    (error: unknown) =>
      EvaluationInputError.isInstance(error) && (error as Error).message.includes('short.sql has 1 predictions'),
  );
});

it('aquila eval scores DIN-SQL on all of Spider dev exactly as the official evaluator', async () => {
  const { out } = await run([
    '--gold',
    `${spider}dev_gold.sql`,
    '--pred',
    `${spider}predictions/DIN-SQL_GPT4.txt`,
    '--db',
    `${spider}database`,
    '--tables',
    `${spider}tables.json`,
    '--etype',
    'match',
  ]);
  expect(out).toMatch(/count\s+248\s+446\s+174\s+166\s+1034/);
  expect(out).toMatch(/exact match\s+([\d.]+\s+){4}0\.601 *\n/);
});

describe('CSpider: its questions run on Spider databases', () => {
  // FlagAI's CSpider dev predictions (Chinese questions, Spider's schemas and SQL), without the wta_1 items: that
  // database is not in the Spider fixture.
  const evaluation = `${flagaiDirectory}aquila-sql/evaluation_result/`;
  const cspiderTables = `${flagaiDirectory}spider/tables_cspider_dev_subset.json`;
  let gold: string;
  let pred: string;
  let expected: { index: number; exact: number }[];
  beforeAll(async () => {
    const goldLines = (await readFile(`${evaluation}cspider_gold.txt`, 'utf8')).split('\n');
    const predLines = (await readFile(`${evaluation}cspider_predict.txt`, 'utf8')).split('\n');
    const kept = goldLines
      .map((line, index) => ({ line, index }))
      .filter(({ line }) => line !== '' && !line.endsWith('\twta_1'))
      .slice(0, 60);
    gold = join(directory, 'cspider-gold.txt');
    pred = join(directory, 'cspider-pred.txt');
    await writeFile(gold, kept.map(({ line }) => `${line}\n`).join(''));
    await writeFile(pred, kept.map(({ index }) => `${predLines[index]}\n`).join(''));
    const official = JSON.parse(
      await readFile(`${flagaiDirectory}generated/cspider_exact_match_expected.json`, 'utf8'),
    ) as { items: { index: number; exact: number }[] };
    expected = kept.map(({ index }) => official.items[index] as { index: number; exact: number });
  });
  const items = async (path: string) =>
    (await readFile(path, 'utf8'))
      .split('\n')
      .filter((line) => line.startsWith('{"db_id"'))
      .map((line) => JSON.parse(line) as { exact?: number; exec?: number; pred_runs: boolean });

  it('scores execution given the Spider database folder, and exact match alone without one', async () => {
    const withDb = join(directory, 'cspider-exec.jsonl');
    const executed = await run([
      ...['--gold', gold, '--pred', pred, '--tables', cspiderTables],
      ...['--db', `${spider}database`, '--workers', '1', '--per-item', withDb],
    ]);
    expect(executed.out).toMatch(/EXECUTION ACCURACY\s+=+\nexecution\s+[\d.]+/);
    const scored = await items(withDb);
    expect(scored.length).toBe(60);
    expect(scored.every((item) => item.exec === 0 || item.exec === 1)).toBe(true);
    expect(scored.filter((item) => item.exec === 1).length).toBeGreaterThan(30);

    const without = join(directory, 'cspider-match.jsonl');
    const matched = await run(['--gold', gold, '--pred', pred, '--tables', cspiderTables, '--per-item', without]);
    expect(matched.err).toContain('exact match only: no --db');
    expect(matched.out).not.toContain('EXECUTION ACCURACY');
    const exact = await items(without);
    expect(exact.every((item) => item.exec === undefined && !item.pred_runs)).toBe(true);
    // FlagAI's own exact-match verdicts, item by item, and the same as with the databases.
    expect(exact.map((item) => item.exact)).toEqual(expected.map((item) => item.exact));
    expect(scored.map((item) => item.exact)).toEqual(expected.map((item) => item.exact));
  });

  it('says that execution needs --db', async () => {
    for (const etype of ['exec', 'all'])
      await expect(
        run(['--gold', gold, '--pred', pred, '--tables', cspiderTables, '--etype', etype]),
      ).rejects.toSatisfy(
        (error: unknown) =>
          EvaluationInputError.isInstance(error) &&
          (error as Error).message.startsWith(`etype ${etype} runs the queries and needs --db`),
      );
  });
});
