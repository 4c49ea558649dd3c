// One whole evaluation run in its own process, against the build:
// node eval-process.mjs GOLD PRED DB TABLES ETYPE [no-runs]
import { evaluateAll } from '../dist/index.js';

const [gold, pred, db, tables, etype, runs] = process.argv.slice(2);
const { summary } = await evaluateAll({ gold, pred, db, tables, etype, checkRuns: runs !== 'no-runs' });
process.stdout.write(JSON.stringify({ exact: summary.matched.exact.all, exec: summary.matched.exec.all, count: summary.count.all }));
