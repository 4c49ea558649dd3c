// Test helper for native-processes.test.ts, run as its own process: starts an execution pool, makes sure its
// native child is up, sets it on a query that never ends, and says `running` (then waits to be killed).

import { spiderDirectory } from '@aquila/test-kit';
import { ExecutionPool } from '../execution-pool.js';

const databases = [`${spiderDirectory}database/concert_singer/concert_singer.sqlite`];
const task = (sql: string) => ({
  databases,
  gold: '',
  preds: [sql],
  orderMatters: false,
  returnRows: true,
  maxRows: 10,
});
const pool = new ExecutionPool({ workers: 1, timeoutMs: 600_000 });
// Answered natively: the child has started and reads tasks.
await pool.run(task('SELECT 1'));
void pool.run(task('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'));
setTimeout(() => process.stdout.write('running\n'), 500);
setInterval(() => undefined, 60_000);
