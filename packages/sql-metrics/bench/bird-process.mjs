// One whole BIRD evaluation in its own process, against the build:
// node bird-process.mjs GOLD PRED DB QUESTIONS METRICS [VES_ITERATIONS]
import { evaluateBird, formatBirdReport } from '../dist/index.js';

const [gold, pred, db, questions, metrics, vesIterations] = process.argv.slice(2);
const { summary } = await evaluateBird({
  gold,
  pred,
  db,
  questions,
  metrics: metrics.split(','),
  ...(vesIterations === undefined ? {} : { vesIterations: Number(vesIterations) }),
});
const tables = ['ex', 'soft-f1', 'r-ves'].map((script) => formatBirdReport(summary, script) ?? '').join('');
// As the aquila CLI does: exit once the output is out.
process.stdout.write(tables, () => process.exit());
