import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '@aquila/files';
import { ExecutionEngineError } from './errors.js';
import type { ExecutionTask, ExecutionVerdict, WorkerReply, WorkerRequest } from './execution-task.js';
import { NativeProcesses } from './internal/native-processes.js';
import { QueryClock } from './internal/query-clock.js';
import { sqlJsModule, type WasmModule } from './internal/sql-js.js';
import { takeTask } from './internal/take-task.js';

export interface ExecutionPoolOptions {
  /** sql.js worker threads, default min(available cores, 4); native SQLite processes, default min(cores - 1, 4), at least 1. */
  workers?: number;
  /** Milliseconds one query may run before its worker is terminated (and replaced). Default 30000. */
  timeoutMs?: number;
  /**
   * 'auto' (default): native SQLite (better-sqlite3, in child processes) for every query where its result is
   * provably sql.js's, sql.js for the rest; 'sql.js': sql.js only.
   */
  engine?: 'auto' | 'sql.js';
}

interface Pending {
  id: number;
  task: ExecutionTask;
  resolve: (verdict: ExecutionVerdict) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  clock: QueryClock;
  current: Pending | undefined;
  lastDatabase: string | undefined;
  ready: boolean;
}

// The build ships execution-worker.js beside index.js.
function createWorker(workerData: { module: WasmModule; clock: SharedArrayBuffer; origin: number }): Worker {
  return startModuleWorker({
    from: import.meta.url,
    source: './execution-worker.ts',
    built: './execution-worker.js',
    workerData,
  });
}

/**
 * Runs execution tasks on native SQLite where that gives sql.js's result, and on sql.js worker threads (started
 * on first need) otherwise. Each query has a timeout: a runaway query's worker is terminated and replaced, and
 * its question scores 0, without stopping the run.
 */
export class ExecutionPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly timeoutMs: number;
  private readonly origin = Date.now();
  private readonly watchdog: NodeJS.Timeout;
  private nextId = 0;
  private closed = false;
  private broken: ExecutionEngineError | undefined;
  private module: WasmModule | undefined;
  private ready: Promise<void> | undefined;
  private readonly size: number;
  private readonly native: NativeProcesses | undefined;

  constructor(options: ExecutionPoolOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.size = Math.max(1, options.workers ?? Math.min(availableParallelism(), 4));
    if (options.engine === 'sql.js') void this.start();
    // The main thread parses and matches meanwhile: one core is left to it.
    else
      this.native = new NativeProcesses(
        options.workers ?? Math.max(1, Math.min(availableParallelism() - 1, 4)),
        this.timeoutMs,
      );
    this.watchdog = setInterval(() => this.watch(), Math.min(1000, Math.max(10, this.timeoutMs / 5)));
    this.watchdog.unref();
  }

  // Workers start once sql.js is compiled (once, here) and share the compiled module.
  private start(): Promise<void> {
    const size = this.size;
    this.ready ??= sqlJsModule().then(
      (module) => {
        this.module = module;
        if (this.closed) return;
        for (let index = 0; index < size; index += 1) {
          const slot = { current: undefined, lastDatabase: undefined, ready: false } as Omit<
            Slot,
            'worker' | 'clock'
          > as Slot;
          this.startWorker(slot);
          this.slots.push(slot);
        }
      },
      (error: unknown) => {
        this.broken = new ExecutionEngineError(
          `sql.js could not be loaded: ${(error as Error).message}; is the sql.js dependency installed?`,
          { cause: error },
        );
      },
    );
    return this.ready;
  }

  private startWorker(slot: Slot): void {
    // A fresh clock: a terminated worker may still write to the old one while it stops.
    slot.clock = QueryClock.create(this.origin);
    slot.clock.reset();
    const worker = createWorker({
      module: this.module as WasmModule,
      clock: slot.clock.buffer as SharedArrayBuffer,
      origin: this.origin,
    });
    slot.worker = worker;
    slot.lastDatabase = undefined;
    slot.ready = false;
    worker.on('message', (reply: WorkerReply) => {
      if (slot.worker === worker) this.receive(slot, reply);
    });
    worker.on('error', (error) => {
      if (slot.worker !== worker) return;
      // A worker that never started (sql.js missing, a broken build) would fail again: stop the pool.
      if (!slot.ready) this.breakDown(error);
      else this.abandon(slot, `the worker failed: ${error.message}`);
    });
    worker.on('exit', (code) => {
      if (!this.closed && slot.worker === worker) this.abandon(slot, `the worker exited with code ${code}`);
    });
    worker.unref();
  }

  /** Runs one task on the next free worker. */
  async run(task: ExecutionTask): Promise<ExecutionVerdict> {
    if (this.closed) throw new ExecutionEngineError('the execution pool is closed; create a new one');
    const verdict = await this.native?.run(task);
    if (verdict !== undefined) return verdict;
    await this.start();
    if (this.broken !== undefined) throw this.broken;
    if (this.closed) throw new ExecutionEngineError('the execution pool is closed; create a new one');
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.current !== undefined || this.queue.length === 0) continue;
      const pending = takeTask(this.queue, slot.lastDatabase);
      if (pending === undefined) continue;
      slot.current = pending;
      slot.lastDatabase = pending.task.databases[0];
      // The clock starts with the first query, not while a fresh worker is still loading sql.js.
      slot.clock.reset();
      slot.worker.ref();
      slot.worker.postMessage({ type: 'task', id: pending.id, task: pending.task } satisfies WorkerRequest);
    }
  }

  private watch(): void {
    for (const slot of this.slots) {
      if (slot.current === undefined) continue;
      const overdue = slot.clock.overdue(this.timeoutMs);
      if (overdue !== undefined)
        this.abandon(slot, `timeout: the query ran longer than ${this.timeoutMs / 1000} s`, overdue);
    }
  }

  private breakDown(error: Error): void {
    const failure = new ExecutionEngineError(`an execution worker could not start: ${error.message}`, { cause: error });
    this.broken = failure;
    const pending = [
      ...this.slots.flatMap((slot) => (slot.current === undefined ? [] : [slot.current])),
      ...this.queue.splice(0),
    ];
    void this.close();
    for (const item of pending) item.reject(failure);
  }

  private receive(slot: Slot, reply: WorkerReply): void {
    if (reply.type === 'ready') {
      slot.ready = true;
      return;
    }
    const pending = slot.current;
    if (pending === undefined || reply.id !== pending.id) return;
    this.settle(slot);
    pending.resolve(reply.verdict);
  }

  private settle(slot: Slot): void {
    slot.current = undefined;
    slot.worker.unref();
    this.dispatch();
  }

  // A query ran too long or killed its worker: replace the worker and give the question its verdict.
  private abandon(slot: Slot, why: string, state = slot.clock.overdue(-Infinity)): void {
    const pending = slot.current;
    const old = slot.worker;
    this.startWorker(slot);
    void old.terminate();
    if (pending === undefined) return;
    const role = state?.role ?? 'pred';
    const predRuns = pending.task.predRunsKnown ?? state?.predRuns;
    if (role === 'runs') {
      // The prediction as given does not run; the execution check itself is retried.
      this.queue.unshift({ ...pending, task: { ...pending.task, predRunsKnown: false } });
      this.settle(slot);
      return;
    }
    this.settle(slot);
    if (role === 'gold') pending.resolve({ exec: 0, predRuns: predRuns ?? false, goldError: why });
    else pending.resolve({ exec: 0, predRuns: predRuns ?? (state?.database ?? 0) > 0, reason: why });
  }

  /** Terminates every worker; pending tasks are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    await this.native?.close();
    await this.ready;
    for (const pending of this.queue.splice(0))
      pending.reject(new ExecutionEngineError('the execution pool was closed before this task ran'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
