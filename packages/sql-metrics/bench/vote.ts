// Voting by execution, 8 candidates × 1,034 Spider dev questions: questions/s and candidate executions/s of the
// ExecutionVoter (with its (database, SQL) cache and without; one native process, the default on two cores, and one
// per core, now that the workers compare and the main thread only matches digests), against plain Python sqlite3 in
// a multiprocessing pool doing the same executions and comparisons (test-suite-sql-eval's result_eq), in the same
// run. Every run's choices must equal the Python ones.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spiderDirectory as spider } from '@aquila/test-kit';
import { markdownTable } from './markdown-table.js';

const runner = fileURLToPath(new URL('./vote-process.mjs', import.meta.url));
const python = fileURLToPath(new URL('../src/test-support/vote-by-execution.py', import.meta.url));
const lines = (path: string): string[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0);

const directory = mkdtempSync(join(tmpdir(), 'sql-metrics-vote-bench-'));
const databases = join(directory, 'database');
mkdirSync(databases);
const gold = lines(`${spider}dev_gold.sql`).map((line) => line.split('\t') as [string, string]);
// wta_1's rows are not in the fixture: its questions run on its schema (empty tables).
for (const name of new Set(gold.map(([, db]) => db)))
  symlinkSync(
    name === 'wta_1' ? `${spider}database_match_only/wta_1` : `${spider}database/${name}`,
    join(databases, name),
  );
const din = lines(`${spider}predictions/DIN-SQL_GPT4.txt`);

// Eight deterministic candidates a question: the published system, gold, and variants of both that agree, differ,
// fail, or repeat a text exactly (which the cache answers).
const candidates = (index: number, goldSql: string): string[] => {
  const system = din[index] as string;
  return [
    system,
    goldSql,
    `${goldSql} `,
    index % 4 === 0 ? 'SELECT * FROM no_such_table' : system,
    `SELECT * FROM (${goldSql})`,
    `SELECT count(*) FROM (${system})`,
    index % 2 === 0 ? system.toLowerCase() : goldSql,
    system,
  ];
};
const input = join(directory, 'input.json');
writeFileSync(
  input,
  JSON.stringify({
    equality: 'spider',
    questions: gold.map(([sql, db], index) => ({
      db: join(databases, db, `${db}.sqlite`),
      candidates: candidates(index, sql),
    })),
  }),
);
const questions = gold.length;
const executions = questions * 8;

interface Run {
  seconds: number;
  executions?: number;
  cacheHits?: number;
  votes: { chosen: number; groups: number[][] }[];
}
const run = (command: string, args: string[]): Run & { wall: number } => {
  const started = performance.now();
  const result = JSON.parse(execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28 })) as Run;
  return { ...result, wall: (performance.now() - started) / 1000 };
};

const processes = availableParallelism();
const repeats = Number(process.env.REPEATS ?? 3);
const startLoad = loadavg()[0] ?? 0;
const best = (runs: (Run & { wall: number })[]): Run & { wall: number } =>
  [...runs].sort((a, b) => a.seconds - b.seconds)[0] as Run & { wall: number };
const cases = [
  {
    name: `aquila ExecutionVoter, cache (native SQLite, default workers)`,
    command: process.execPath,
    args: [runner, input, '4096'],
  },
  {
    name: `aquila ExecutionVoter, cache, ${processes} native processes`,
    command: process.execPath,
    args: [runner, input, '4096', `${processes}`],
  },
  { name: 'aquila ExecutionVoter, no cache', command: process.execPath, args: [runner, input, '0'] },
  {
    name: `Python sqlite3, multiprocessing.Pool(${processes})`,
    command: 'python3',
    args: [python, input, `${processes}`],
  },
];
const results: { name: string; result: Run & { wall: number } }[] = [];
try {
  // Interleaved, so that a change in the machine's load falls on every case alike.
  const runs = cases.map(() => [] as (Run & { wall: number })[]);
  for (let repeat = 0; repeat < repeats; repeat += 1)
    cases.forEach((item, index) => runs[index]?.push(run(item.command, item.args)));
  cases.forEach((item, index) => results.push({ name: item.name, result: best(runs[index] ?? []) }));
} finally {
  rmSync(directory, { recursive: true, force: true });
}

const reference = JSON.stringify((results.at(-1) as { result: Run }).result.votes);
for (const { name, result } of results)
  if (JSON.stringify(result.votes) !== reference) throw new Error(`${name}: its choices differ from Python's`);

const python_ = (results.at(-1) as { result: Run }).result.seconds;
const header = [
  '8 candidates × 1,034 Spider dev questions',
  'questions/s',
  'executions/s',
  'queries run',
  'vote s',
  'process s',
  'vs Python',
];
const rows = results.map(({ name, result }) => [
  name,
  (questions / result.seconds).toFixed(0),
  (executions / result.seconds).toFixed(0),
  `${result.executions ?? executions}`,
  result.seconds.toFixed(2),
  result.wall.toFixed(2),
  `${(python_ / result.seconds).toFixed(2)}×`,
]);
console.log(markdownTable(header, rows));
console.log(
  `Best of ${repeats} interleaved runs each; executions/s counts the ${executions} candidate results a run gives (the cache runs fewer queries); "vote s" is from starting the pool to the last vote, "process s" the whole process. Every run's choices equal Python's. node ${process.version}, Python ${execFileSync('python3', ['-c', 'import sys, sqlite3; print(sys.version.split()[0], "SQLite", sqlite3.sqlite_version)'], { encoding: 'utf8' }).trim()}, ${processes} cores, load average ${startLoad.toFixed(1)} at the start and ${loadavg()[0]?.toFixed(1)} at the end.`,
);
