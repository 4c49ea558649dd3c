// `aquila vote` as a user runs it: the built binary across BIRD mini-dev's systems and Spider prediction files, its
// reports (the chosen answers scored again by `aquila eval`) and its one-line errors.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  birdMiniDevDirectory,
  birdMiniDevSystems,
  spiderDirectory as spider,
  spiderDevSystems,
} from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../src/test-support/run-built-cli.js';

const bird = birdMiniDevDirectory;
const db = `${bird}databases-synthetic`;
const systems = birdMiniDevSystems;
const count = 40;
let directory: string;
const path = (name: string): string => join(directory, name);

const lines = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');

// The first `count` questions of each file, so that the whole command runs in seconds.
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-vote-'));
  const gold = (await readFile(`${bird}mini_dev_sqlite_gold.sql`, 'utf8')).split('\n').slice(0, count);
  await writeFile(path('bird-gold.sql'), `${gold.join('\n')}\n`);
  for (const system of systems) {
    const all = JSON.parse(await readFile(`${bird}predictions/predict_mini_dev_${system}.json`, 'utf8'));
    const head = Object.fromEntries(Array.from({ length: count }, (_, index) => [`${index}`, all[`${index}`]]));
    await writeFile(path(`${system}.json`), JSON.stringify(head, null, 4));
  }
  const spiderGold = (await readFile(`${spider}dev_gold.sql`, 'utf8')).split('\n').slice(0, count);
  await writeFile(path('spider-gold.sql'), `${spiderGold.join('\n')}\n`);
  await writeFile(path('spider-gold-only.sql'), `${spiderGold.map((line) => line.split('\t')[0]).join('\n')}\n`);
  const din = (await readFile(`${spider}predictions/DIN-SQL_GPT4.txt`, 'utf8')).split('\n').slice(0, count);
  await writeFile(path('din.sql'), `${din.join('\n')}\n`);
  // Spider dev's 972 questions whose databases are present, and three published systems' answers to them.
  const present = new Set((await lines(`${spider}no-wta_1-indices.txt`)).map(Number));
  const only972 = async (file: string, name: string): Promise<void> => {
    const kept = (await readFile(file, 'utf8')).split(/\r?\n/).filter((_, index) => index < 1034 && present.has(index));
    await writeFile(path(name), `${kept.join('\n')}\n`);
  };
  await only972(`${spider}dev_gold.sql`, 'gold972.sql');
  for (const system of spiderDevSystems) await only972(`${spider}predictions/${system}.txt`, `${system}.sql`);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const vote = (...args: string[]) => runBuiltCli({ args: ['vote', ...args], timeoutMs: 300_000 });
const items = async (file: string) =>
  (await lines(file)).map((line) => JSON.parse(line) as { i: number; chosen: number; groups: number[]; ex: number });

it('votes across the five BIRD mini-dev systems; the chosen answers score as the table says', async () => {
  const preds = systems.flatMap((system) => ['--pred', path(`${system}.json`)]);
  const out = path('bird-chosen.json');
  const perItem = path('bird-items.jsonl');
  const json = path('bird-summary.json');
  const result = await vote(
    ...['--benchmark', 'bird', '--gold', path('bird-gold.sql'), '--db', db, ...preds],
    ...['--out', out, '--per-item', perItem, '--json', json],
  );
  expect(result.status, result.stderr).toBe(0);
  const summary = JSON.parse(await readFile(json, 'utf8')) as { vote: { ex: number; correct: number } };
  expect(result.stdout).toMatch(/^system +EX +correct\n0: .*gpt-35-turbo-instruct_sqlite\.json/);
  expect(result.stdout).toContain(`vote (5 systems, bird equality)`);
  expect(result.stdout).toContain(`${summary.vote.correct}/${count}`);
  const votes = await items(perItem);
  expect(votes.map(({ i }) => i)).toEqual(Array.from({ length: count }, (_, index) => index));
  for (const { chosen, groups } of votes) {
    expect(chosen).toBeGreaterThanOrEqual(0);
    expect(chosen).toBeLessThan(5);
    expect(groups).toEqual([...groups].sort((a, b) => b - a));
  }
  // The chosen answers, as official prediction JSON, scored again by `aquila eval`: the vote's EX.
  const scored = await runBuiltCli({
    args: ['eval', '--benchmark', 'bird', '--gold', path('bird-gold.sql'), '--pred', out, '--db', db, '--metric', 'ex'],
    timeoutMs: 120_000,
  });
  expect(scored.status, scored.stderr).toBe(0);
  expect(scored.stdout).toMatch(new RegExp(`EX +(\\S+ +){3}${summary.vote.ex.toFixed(2)}`));
});

it("votes across Spider prediction files, one SQL a line, and scores them with Spider's EX", async () => {
  const out = path('spider-chosen.sql');
  const perItem = path('spider-items.jsonl');
  const result = await vote(
    ...['--gold', path('spider-gold.sql'), '--db', `${spider}database`, '--tables', `${spider}tables.json`],
    ...['--pred', path('din.sql'), '--pred', path('spider-gold-only.sql'), '--pred', path('spider-gold-only.sql')],
    ...['--out', out, '--per-item', perItem],
  );
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toContain('vote (3 systems, spider equality)');
  expect(result.stdout).toMatch(/ answered from the cache/);
  // Gold twice: its group wins every question (DIN-SQL's answer where its result joined the group first).
  for (const { groups } of await items(perItem)) expect(groups[0]).toBeGreaterThanOrEqual(2);
  expect(await lines(out)).toHaveLength(count);
});

const spiderDatabases = ['--db', `${spider}database`, '--tables', `${spider}tables.json`];

it("votes across DIN-SQL, DAIL-SQL and C3SQL on Spider dev (972 questions): each EX beside the vote's 86.11", async () => {
  const out = path('spider3-chosen.sql');
  const perItem = path('spider3-items.jsonl');
  const result = await vote(
    ...['--gold', path('gold972.sql'), ...spiderDatabases],
    ...spiderDevSystems.flatMap((system) => ['--pred', path(`${system}.sql`)]),
    ...['--out', out, '--per-item', perItem],
  );
  expect(result.status, result.stderr).toBe(0);
  const table = result.stdout.split('\n').map((line) => line.trim().split(/ {2,}/));
  expect(table.slice(0, 6)).toEqual([
    ['system', 'EX', 'correct'],
    ['0: DIN-SQL_GPT4.sql', '83.23', '809/972'],
    ['1: DAIL-SQL_GPT4.sql', '83.23', '809/972'],
    ['2: C3SQL_GPT35.sql', '82.72', '804/972'],
    ['vote (3 systems, spider equality)', '86.11', '837/972'],
    ['oracle (some system correct)', '91.87'],
  ]);
  const votes = (await lines(perItem)).map(
    (line) => JSON.parse(line) as { ex: number; system_ex: number[]; chosen: number; sql: string },
  );
  expect(votes).toHaveLength(972);
  for (const { ex, system_ex, chosen } of votes) expect(ex).toBe(system_ex[chosen]);
  expect(votes.filter(({ ex }) => ex === 1)).toHaveLength(837);
  // --out: the chosen system's SQL on each line, which `aquila eval` scores again at the vote's EX.
  const systems = await Promise.all(spiderDevSystems.map((system) => lines(path(`${system}.sql`))));
  const chosen = await lines(out);
  expect(chosen).toEqual(votes.map(({ sql }) => sql));
  votes.forEach(({ chosen: system }, index) => expect(systems[system]?.[index]?.trim()).toContain(chosen[index]));
  const scored = await runBuiltCli({
    args: ['eval', '--gold', path('gold972.sql'), '--pred', out, '--etype', 'exec', ...spiderDatabases],
    timeoutMs: 120_000,
  });
  expect(scored.status, scored.stderr).toBe(0);
  expect(scored.stdout).toMatch(/execution +(\S+ +){4}0\.861 *\n/);
});

describe('bad input: one line on stderr, the right exit status', () => {
  const birdArgs = ['--benchmark', 'bird', '--db', db];
  const cases: { name: string; args: () => string[]; exit: number; message: RegExp }[] = [
    {
      name: 'no --pred',
      args: () => [...birdArgs, '--gold', path('bird-gold.sql')],
      exit: 2,
      message: /required option '--pred <file>' not specified/,
    },
    {
      name: 'Spider without --tables',
      args: () => ['--gold', path('spider-gold.sql'), '--db', `${spider}database`, '--pred', path('din.sql')],
      exit: 2,
      message: /required option '--tables <file>' not specified.*\[AQUILA_USAGE\]$/,
    },
    {
      name: 'an unknown equality',
      args: () => [
        ...birdArgs,
        '--gold',
        path('bird-gold.sql'),
        '--pred',
        path(`${systems[0]}.json`),
        '--equality',
        'loose',
      ],
      exit: 2,
      message: /use spider, bird or exact.*\[AQUILA_USAGE\]$/,
    },
    {
      name: 'predictions that do not align with the gold',
      args: () => [...birdArgs, '--gold', `${bird}mini_dev_sqlite_gold.sql`, '--pred', path(`${systems[0]}.json`)],
      exit: 1,
      message: /has 40 predictions but .* has 500 gold queries.*\[AQUILA_SQL_EVALUATION_INPUT\]$/,
    },
    {
      name: 'a missing prediction file',
      args: () => [...birdArgs, '--gold', path('bird-gold.sql'), '--pred', path('nowhere.json')],
      exit: 1,
      message: /--pred .*nowhere\.json does not exist.*\[AQUILA_SQL_EVALUATION_INPUT\]$/,
    },
  ];
  it.each(cases)('$name', async ({ args, exit, message }) => {
    const result = await runBuiltCli({ args: ['vote', ...args()], timeoutMs: 60_000 });
    const errors = result.stderr.split('\n').filter((line) => line !== '');
    expect(errors, result.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(/^aquila vote: /);
    expect(errors[0]).toMatch(message);
    expect(result.status).toBe(exit);
  });
});
