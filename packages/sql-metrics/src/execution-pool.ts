import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExecutionEngineError } from './errors.js';
import type { ExecutionTask, ExecutionVerdict, WorkerReply, WorkerRequest } from './execution-task.js';
import { sqlJsModule, type WasmModule } from './internal/sql-js.js';

export interface ExecutionPoolOptions {
  /** Worker threads; default min(available cores, 4). */
  workers?: number;
  /** Milliseconds one query may run before its worker is terminated (and replaced). Default 30000. */
  timeoutMs?: number;
}

interface Pending {
  id: number;
  task: ExecutionTask;
  resolve: (verdict: ExecutionVerdict) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  current: Pending | undefined;
  role: 'runs' | 'gold' | 'pred';
  database: number;
  predRuns: boolean | undefined;
  timer: NodeJS.Timeout | undefined;
  lastDatabase: string | undefined;
  ready: boolean;
}

// The build ships execution-worker.js beside index.js. Sources (under Vitest or tsx) start the TypeScript worker
// through tsx's loader, which a worker does not inherit.
const source = import.meta.url.endsWith('.ts');

function createWorker(module: WasmModule): Worker {
  const workerData = { module };
  if (!source) return new Worker(new URL('./execution-worker.js', import.meta.url), { workerData });
  const tsx = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))).href;
  const worker = new URL('./execution-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(worker)}); });`, { eval: true, workerData });
}

/**
 * Worker threads that run execution tasks on sql.js. Each query has a timeout: a runaway query's worker is
 * terminated and replaced, and its question scores 0, without stopping the run.
 */
export class ExecutionPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly timeoutMs: number;
  private nextId = 0;
  private closed = false;
  private broken: ExecutionEngineError | undefined;
  private module: WasmModule | undefined;
  private readonly ready: Promise<void>;

  constructor(options: ExecutionPoolOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const size = Math.max(1, options.workers ?? Math.min(availableParallelism(), 4));
    // Workers start once sql.js is compiled (once, here) and share the compiled module.
    this.ready = sqlJsModule().then(
      (module) => {
        this.module = module;
        if (!this.closed) for (let index = 0; index < size; index += 1) this.slots.push(this.spawn());
      },
      (error: unknown) => {
        this.broken = new ExecutionEngineError(`sql.js could not be loaded: ${(error as Error).message}; is the sql.js dependency installed?`, { cause: error });
      },
    );
  }

  private spawn(): Slot {
    const slot = { current: undefined, role: 'gold', database: 0, predRuns: undefined, timer: undefined, lastDatabase: undefined, ready: false } as Omit<Slot, 'worker'> as Slot;
    this.startWorker(slot);
    return slot;
  }

  private startWorker(slot: Slot): void {
    const worker = createWorker(this.module as WasmModule);
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
    await this.ready;
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
      // Prefer a task on the database this worker used last: its gold results are cached there.
      const window = Math.min(this.queue.length, 32);
      let pick = 0;
      for (let index = 0; index < window; index += 1) {
        if (this.queue[index]?.task.databases[0] === slot.lastDatabase) {
          pick = index;
          break;
        }
      }
      const [pending] = this.queue.splice(pick, 1);
      if (pending === undefined) continue;
      slot.current = pending;
      slot.predRuns = pending.task.predRunsKnown;
      slot.lastDatabase = pending.task.databases[0];
      slot.role = 'gold';
      slot.database = 0;
      // The timer starts with the first query, not while a fresh worker is still loading sql.js.
      slot.worker.ref();
      slot.worker.postMessage({ type: 'task', id: pending.id, task: pending.task } satisfies WorkerRequest);
    }
  }

  private arm(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => this.timeout(slot), this.timeoutMs);
  }

  private breakDown(error: Error): void {
    const failure = new ExecutionEngineError(`an execution worker could not start: ${error.message}`, { cause: error });
    this.broken = failure;
    const pending = [...this.slots.flatMap((slot) => (slot.current === undefined ? [] : [slot.current])), ...this.queue.splice(0)];
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
    if (reply.type === 'query') {
      slot.role = reply.role;
      slot.database = reply.database;
      this.arm(slot);
    } else if (reply.type === 'runs') {
      slot.predRuns = reply.predRuns;
    } else {
      this.settle(slot);
      pending.resolve(reply.verdict);
    }
  }

  private settle(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.current = undefined;
    slot.worker.unref();
    this.dispatch();
  }

  private timeout(slot: Slot): void {
    this.abandon(slot, `timeout: the query ran longer than ${this.timeoutMs / 1000} s`);
  }

  // A query ran too long or killed its worker: replace the worker and give the question its verdict.
  private abandon(slot: Slot, why: string): void {
    const pending = slot.current;
    const old = slot.worker;
    this.startWorker(slot);
    void old.terminate();
    if (pending === undefined) return;
    const { role, database, predRuns } = slot;
    if (role === 'runs') {
      // The prediction as given does not run; the execution check itself is retried.
      this.queue.unshift({ ...pending, task: { ...pending.task, predRunsKnown: false } });
      this.settle(slot);
      return;
    }
    this.settle(slot);
    if (role === 'gold') pending.resolve({ exec: 0, predRuns: predRuns ?? false, goldError: why });
    else pending.resolve({ exec: 0, predRuns: predRuns ?? database > 0, reason: why });
  }

  /** Terminates every worker; pending tasks are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    await this.ready;
    for (const slot of this.slots) clearTimeout(slot.timer);
    for (const pending of this.queue.splice(0)) pending.reject(new ExecutionEngineError('the execution pool was closed before this task ran'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
