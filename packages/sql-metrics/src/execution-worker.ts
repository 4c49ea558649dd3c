// Worker-thread entry: runs execution tasks on sql.js. Terminated by the pool when a query runs too long.
import { parentPort, workerData } from 'node:worker_threads';
import type { ExecutionTask, ExecutionVerdict, QueryRows, WorkerReply, WorkerRequest } from './execution-task.js';
import { DatabaseSession } from './internal/database-session.js';
import { QueryClock } from './internal/query-clock.js';
import { loadSqlJs, type WasmModule } from './internal/sql-js.js';
import { resultEqual, type Row } from './internal/result-equal.js';

const port = parentPort;
if (port === null) throw new Error('execution-worker.js runs only as a worker thread');

const data = workerData as { module: WasmModule; clock: SharedArrayBuffer; origin: number };
const clock = new QueryClock(data.clock, data.origin);
const session = loadSqlJs(data.module).then((engine) => {
  send({ type: 'ready' });
  return new DatabaseSession(engine);
});
// Predictions cannot change a database (query_only, reopened after anything but a query), so gold rows keep.
const goldCache = new Map<string, Row[] | string>();
const goldCacheLimit = 512;

function send(reply: WorkerReply): void {
  port?.postMessage(reply);
}

function goldRows(session: DatabaseSession, path: string, index: number, sql: string, maxRows: number): Row[] | string {
  const key = `${path}\u0000${sql}`;
  const cached = goldCache.get(key);
  if (cached !== undefined) return cached;
  clock.start('gold', index);
  const outcome = session.run(path, sql, maxRows);
  const value = !outcome.ok ? outcome.error : outcome.complete ? outcome.rows : `more than ${maxRows} rows`;
  if (goldCache.size >= goldCacheLimit) goldCache.delete(goldCache.keys().next().value as string);
  goldCache.set(key, value);
  return value;
}

function evaluate(session: DatabaseSession, task: ExecutionTask): ExecutionVerdict {
  let predRuns = task.predRunsKnown;
  const first = task.databases[0];
  if (task.returnRows === true) {
    if (first === undefined || task.preds[0] === undefined) return { exec: 0, predRuns: false, reason: 'no database or query' };
    // Role 'pred': a timeout resolves with its reason instead of being retried as a runs check.
    clock.start('pred', 0);
    const outcome = session.run(first, task.preds[0], task.maxRows + 1);
    if (!outcome.ok) return { exec: 0, predRuns: false, reason: outcome.error };
    const truncated = outcome.rows.length > task.maxRows;
    return { exec: 0, predRuns: true, result: { columns: outcome.columns, rows: (truncated ? outcome.rows.slice(0, task.maxRows) : outcome.rows) as QueryRows['rows'], truncated } };
  }
  if (task.runsOnly === true) {
    if (first === undefined || task.preds[0] === undefined) return { exec: 0, predRuns: false };
    if (predRuns !== undefined) return { exec: 0, predRuns };
    clock.start('runs', 0);
    return { exec: 0, predRuns: session.run(first, task.preds[0], task.maxRows).ok };
  }
  if (predRuns === undefined && task.runsCheck !== undefined && first !== undefined) {
    clock.start('runs', 0);
    predRuns = session.run(first, task.runsCheck, task.maxRows).ok;
    clock.knowRuns(predRuns);
  }
  let reason = 'no database file';
  for (const pred of task.preds) {
    let passes = true;
    for (const [index, path] of task.databases.entries()) {
      const gold = goldRows(session, path, index, task.gold, task.maxRows);
      if (typeof gold === 'string') return { exec: 0, predRuns: predRuns ?? false, goldError: `${gold} (database ${path})` };
      if (task.sameAsGold === true && pred === task.preds[0]) {
        predRuns ??= true;
        continue;
      }
      clock.start('pred', index);
      const outcome = session.run(path, pred, gold.length + 1);
      if (index === 0 && pred === task.preds[0] && predRuns === undefined) {
        predRuns = outcome.ok;
        clock.knowRuns(predRuns);
      }
      if (!outcome.ok) reason = outcome.error;
      else if (!resultEqual(gold, outcome.rows, task.orderMatters)) reason = `result differs on ${path}`;
      else continue;
      passes = false;
      break;
    }
    if (passes && task.databases.length > 0) return { exec: 1, predRuns: predRuns ?? true };
  }
  return { exec: 0, predRuns: predRuns ?? false, reason };
}

// The pool sends one task at a time, so verdicts come back in order.
port.on('message', (request: WorkerRequest) => {
  void session.then((ready) => {
    const verdict = evaluate(ready, request.task);
    clock.reset();
    send({ type: 'verdict', id: request.id, verdict });
  });
});
