// Worker-thread entry: runs execution tasks on sql.js. Terminated by the pool when a query runs too long.
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './execution-task.js';
import { DatabaseSession } from './internal/database-session.js';
import { QueryClock } from './internal/query-clock.js';
import { loadSqlJs, type WasmModule } from './internal/sql-js.js';
import { TaskRunner } from './internal/task-runner.js';

const port = parentPort;
if (port === null) throw new Error('execution-worker.js runs only as a worker thread');

const data = workerData as { module: WasmModule; clock: SharedArrayBuffer; origin: number };
const clock = new QueryClock(data.clock, data.origin);
const runner = loadSqlJs(data.module).then((engine) => {
  send({ type: 'ready' });
  return new TaskRunner(new DatabaseSession(engine), clock);
});

function send(reply: WorkerReply): void {
  port?.postMessage(reply);
}

// The pool sends one task at a time, so verdicts come back in order.
port.on('message', (request: WorkerRequest) => {
  void runner.then((ready) => {
    const verdict = ready.run(request.task);
    clock.reset();
    send({ type: 'verdict', id: request.id, verdict });
  });
});
