// One whole evaluation run in its own process, against the build:
// node eval-process.mjs GOLD PRED DB TABLES ETYPE [no-runs] [ENGINE]   (WARM_RUNS=N: see below)
import { readFileSync } from 'node:fs';
import { evaluateAll } from '../dist/index.js';

const [gold, pred, db, tables, etype, runs, engine] = process.argv.slice(2);
const options = { gold, pred, db, tables, etype, checkRuns: runs !== 'no-runs', ...(engine ? { engine } : {}) };
// WARM_RUNS=N: evaluate N times first and report the time of one more run, on a JIT that has seen it all.
let warmSeconds;
for (let run = 0; run < Number(process.env.WARM_RUNS ?? 0); run += 1) await evaluateAll(options);
const started = performance.now();
const { summary } = await evaluateAll(options);
if (process.env.WARM_RUNS) warmSeconds = (performance.now() - started) / 1000;

// CPU time of this process's threads and of its reaped child processes (the native SQLite ones), from
// /proc/self/stat in clock ticks (100 a second on Linux); elsewhere, this process's only.
function cpuSeconds() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
  } catch {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  }
}
process.stdout.write(
  JSON.stringify({
    exact: summary.matched.exact.all,
    exec: summary.matched.exec.all,
    count: summary.count.all,
    cpu: cpuSeconds(),
    warmSeconds,
  }),
  () => {
    // As the aquila CLI does: exit once the output is out, without waiting for V8's queued background compile jobs.
    process.exit();
  },
);
