// Whole-process time of BIRD mini-dev evaluations (500 questions, the fixture's synthetic databases) against the
// official Python scripts, run here in the same session: EX + Soft-F1 for five published systems, and R-VES at
// the official 100 iterations for one.
//
//   pnpm --filter @aquila/sql-metrics build
//   npx tsx packages/sql-metrics/bench/bird.ts --official DIR [--repeats N]
//
// DIR holds bird-bench/mini_dev's evaluation/evaluation_ex.py, evaluation_f1.py, evaluation_ves.py and
// evaluation_utils.py (see the README for the commits). They are not part of this repository. They run unmodified
// under python3. The bench adds stand-ins only for the imports they need beyond the standard library and numpy:
// func_timeout (a thread joined with the timeout), psycopg2 and pymysql (never used for SQLite), and
// load_json_data where that evaluation_utils.py lacks it (read as JSON Lines, as load_jsonl).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { birdMiniDevDirectory as bird } from '@aquila/test-kit';

const officialIndex = process.argv.indexOf('--official');
const official = officialIndex < 0 ? undefined : process.argv[officialIndex + 1];
if (official === undefined) throw new Error('give --official DIR, the folder of the official mini_dev scripts');
if (!existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url))))
  throw new Error('build first: pnpm --filter @aquila/sql-metrics build');
const repeatsIndex = process.argv.indexOf('--repeats');
// Each EX + Soft-F1 run is repeated and the fastest kept (a shared machine's load varies); R-VES runs once.
const repeats = repeatsIndex < 0 ? 1 : Number(process.argv[repeatsIndex + 1]);
const runner = fileURLToPath(new URL('./bird-process.mjs', import.meta.url));

const scripts = mkdtempSync(join(tmpdir(), 'bird-official-'));
for (const name of ['evaluation_ex.py', 'evaluation_f1.py', 'evaluation_ves.py'])
  copyFileSync(join(official, name), join(scripts, name));
copyFileSync(join(official, 'evaluation_utils.py'), join(scripts, 'evaluation_utils_upstream.py'));
writeFileSync(
  join(scripts, 'evaluation_utils.py'),
  'from evaluation_utils_upstream import *\nimport evaluation_utils_upstream as _upstream\n' +
    "if not hasattr(_upstream, 'load_json_data'):\n    load_json_data = _upstream.load_jsonl\n",
);
writeFileSync(
  join(scripts, 'func_timeout.py'),
  `import threading

class FunctionTimedOut(Exception):
    pass

def func_timeout(timeout, func, args=(), kwargs=None):
    outcome = {}
    def run():
        try:
            outcome['value'] = func(*args, **(kwargs or {}))
        except BaseException as error:
            outcome['error'] = error
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise FunctionTimedOut()
    if 'error' in outcome:
        raise outcome['error']
    return outcome['value']
`,
);
writeFileSync(join(scripts, 'psycopg2.py'), '');
writeFileSync(join(scripts, 'pymysql.py'), '');

const gold = `${bird}mini_dev_sqlite_gold.sql`;
const questions = `${bird}mini_dev_sqlite.jsonl`;
const db = `${bird}databases-synthetic/`;
const cpus = Math.max(1, availableParallelism());

function timed(command: string, args: string[], cwd?: string, times = 1): { seconds: number; output: string } {
  let best = { seconds: Number.POSITIVE_INFINITY, output: '' };
  for (let run = 0; run < times; run += 1) {
    const started = performance.now();
    const output = execFileSync(command, args, { cwd, maxBuffer: 1 << 26 }).toString();
    const seconds = (performance.now() - started) / 1000;
    if (seconds < best.seconds) best = { seconds, output };
  }
  return best;
}

function python(script: string, pred: string, times = repeats): { seconds: number; output: string } {
  return timed(
    'python3',
    [
      script,
      ...['--predicted_sql_path', pred, '--ground_truth_path', gold, '--db_root_path', db],
      ...['--diff_json_path', questions, '--num_cpus', String(cpus), '--meta_time_out', '30'],
      ...['--output_log_path', join(scripts, 'log.txt')],
    ],
    scripts,
    times,
  );
}

// "EX   55.20 ..." → the total, the last number of the score line.
const total = (output: string, label: string): string =>
  new RegExp(`^${label}\\s+.*?([\\d.]+)\\s*$`, 'm').exec(output)?.[1] ?? '?';

const systems = [
  'gpt-4-o_cot_SQLite',
  'gpt-4_sqlite',
  'meta-llama-3-70b-instruct-2_sqlite',
  'gpt-35-turbo-instruct_sqlite',
  'mistralai-mixtral-8x7b-instru-4_sqlite',
];
const startLoad = loadavg()[0] ?? 0;
const rows: string[] = [];
let pythonSum = 0;
let oursSum = 0;
for (const system of systems) {
  const pred = `${bird}predictions/predict_mini_dev_${system}.json`;
  const ex = python('evaluation_ex.py', pred);
  const f1 = python('evaluation_f1.py', pred);
  const ours = timed(process.execPath, [runner, gold, pred, db, questions, 'ex,soft-f1'], undefined, repeats);
  pythonSum += ex.seconds + f1.seconds;
  oursSum += ours.seconds;
  rows.push(
    `| ${system} | ${total(ex.output, 'EX')} / ${total(f1.output, 'Soft-F1')} | ${(ex.seconds + f1.seconds).toFixed(2)} s | ${total(ours.output, 'EX')} / ${total(ours.output, 'Soft-F1')} | ${ours.seconds.toFixed(2)} s | ${((ex.seconds + f1.seconds) / ours.seconds).toFixed(1)}× |`,
  );
}
rows.push(
  `| all five | | ${pythonSum.toFixed(2)} s | | ${oursSum.toFixed(2)} s | ${(pythonSum / oursSum).toFixed(1)}× |`,
);
const vesSystem = systems[0] as string;
const vesPred = `${bird}predictions/predict_mini_dev_${vesSystem}.json`;
const vesPython = python('evaluation_ves.py', vesPred, 1);
const vesOurs = timed(process.execPath, [runner, gold, vesPred, db, questions, 'r-ves', '100']);
rows.push(
  `| R-VES, ${vesSystem}, 100 iterations | ${total(vesPython.output, 'R-VES')} | ${vesPython.seconds.toFixed(2)} s | ${total(vesOurs.output, 'R-VES')} | ${vesOurs.seconds.toFixed(2)} s | ${(vesPython.seconds / vesOurs.seconds).toFixed(1)}× |`,
);
rmSync(scripts, { recursive: true, force: true });

const pythonVersion = execFileSync('python3', [
  '-c',
  'import sys, sqlite3; print(sys.version.split()[0], sqlite3.sqlite_version)',
])
  .toString()
  .trim()
  .split(' ');
process.stdout.write(
  `Node ${process.version}, ${cpus} cores, load average ${startLoad.toFixed(1)} at the start and ${(loadavg()[0] ?? 0).toFixed(1)} at the end; Python ${pythonVersion[0]} (SQLite ${pythonVersion[1]}) with num_cpus ${cpus}; whole processes, the fastest of ${repeats} (R-VES: one run).\n\n` +
    '| run (500 questions) | official EX / Soft-F1 | official time (EX + F1 scripts) | ours EX / Soft-F1 | ours time (one process) | speed-up |\n' +
    '| --- | --- | --- | --- | --- | --- |\n' +
    `${rows.join('\n')}\n`,
);
