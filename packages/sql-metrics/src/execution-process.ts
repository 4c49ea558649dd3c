// Child-process entry: runs execution tasks on native SQLite. A process, not a worker thread, because a query
// inside a native call cannot be interrupted: the pool kills the process when one runs too long.
import { Worker } from 'node:worker_threads';
import type { NativeAnswer, NativeReply, NativeRequest } from './internal/native-processes.js';
import { NativeFallback, NativeSession } from './internal/native-session.js';
import { TaskRunner } from './internal/task-runner.js';

const send = (reply: NativeReply): void => {
  process.send?.(reply);
};

// The pool kills this process on a timeout, so where a query stands need not be tracked.
const untracked = { start: () => undefined, knowRuns: () => undefined };

try {
  const { default: Driver } = await import('better-sqlite3');
  const runner = new TaskRunner(new NativeSession(Driver), untracked);
  process.on('message', ({ tasks }: NativeRequest) => {
    // Answers go back together, except after a slow task: the pool times each task from the last answer it got.
    let answers: NativeAnswer[] = [];
    let sentAt = Date.now();
    for (const { id, task } of tasks) {
      try {
        answers.push({ id, verdict: runner.run(task) });
      } catch (error) {
        answers.push(
          error instanceof NativeFallback
            ? { id, fallback: true }
            : { id, fallback: true, error: (error as Error).message },
        );
      }
      if (Date.now() - sentAt > 5) {
        send({ answers });
        answers = [];
        sentAt = Date.now();
      }
    }
    if (answers.length > 0) send({ answers });
  });
  send({ ready: true });
} catch (error) {
  // No native engine here (no prebuilt binary for this platform): the pool uses sql.js only.
  send({ unavailable: (error as Error).message });
}
// The pool went away: nothing more will come.
process.on('disconnect', () => process.exit(0));
// A query inside a native call keeps this thread (and the 'disconnect' event) busy until it returns, which a runaway
// query never does. A thread of its own ends the process once the parent is gone (it was killed: this process was
// handed to another parent), so no child outlives the evaluation.
new Worker(
  `const { workerData: parent } = require('node:worker_threads');
  setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 250);`,
  { eval: true, workerData: process.ppid },
).unref();
