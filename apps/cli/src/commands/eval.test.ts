import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluationInputError } from '@aquila/sql-metrics';
import { fixturePath } from '@aquila/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
