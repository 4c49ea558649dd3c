// One whole evaluation run in its own process, against the build:
// node eval-process.mjs GOLD PRED DB TABLES ETYPE [no-runs]
import { evaluateAll } from '../dist/index.js';

const [gold, pred, db, tables, etype, runs] = process.argv.slice(2);
const { summary } = await evaluateAll({ gold, pred, db, tables, etype, checkRuns: runs !== 'no-runs' });
const cpu = process.cpuUsage();
// CPU time of every thread of this process (main and workers), which load on a shared machine inflates less than wall time.
process.stdout.write(JSON.stringify({ exact: summary.matched.exact.all, exec: summary.matched.exec.all, count: summary.count.all, cpu: (cpu.user + cpu.system) / 1e6 }));
