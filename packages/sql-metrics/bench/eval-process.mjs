// One whole evaluation run in its own process, against the build: node eval-process.mjs GOLD PRED DB TABLES ETYPE
import { evaluateAll } from '../dist/index.js';

const [gold, pred, db, tables, etype] = process.argv.slice(2);
const { summary } = await evaluateAll({ gold, pred, db, tables, etype });
process.stdout.write(JSON.stringify({ exact: summary.matched.exact.all, exec: summary.matched.exec.all, count: summary.count.all }));
