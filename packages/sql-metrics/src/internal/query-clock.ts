// Shared memory between a worker and the pool: whether a task is running, which query and since when. The pool's
// watchdog reads it, so a query costs no message (postMessage per query was a third of the run's CPU time).

const roles = ['runs', 'gold', 'pred'] as const;
export type QueryRole = (typeof roles)[number];

const running = 0;
const role = 1;
const database = 2;
const startedAt = 3;
const predRuns = 4;

export class QueryClock {
  private readonly cells: Int32Array;

  /** `origin` is the pool's Date.now() when it started: times are stored as milliseconds since then. */
  constructor(
    readonly buffer: SharedArrayBuffer,
    private readonly origin: number,
  ) {
    this.cells = new Int32Array(buffer);
  }

  static create(origin: number): QueryClock {
    return new QueryClock(new SharedArrayBuffer(5 * Int32Array.BYTES_PER_ELEMENT), origin);
  }

  /** Worker: a query starts (the first one also starts the task). */
  start(which: QueryRole, index: number): void {
    Atomics.store(this.cells, role, roles.indexOf(which));
    Atomics.store(this.cells, database, index);
    Atomics.store(this.cells, startedAt, Date.now() - this.origin);
    Atomics.store(this.cells, running, 1);
  }

  /** Worker: whether the prediction as given ran, once known. */
  knowRuns(value: boolean): void {
    Atomics.store(this.cells, predRuns, value ? 1 : 0);
  }

  /** Either side: no task is running (the pool resets before it sends one). */
  reset(): void {
    Atomics.store(this.cells, running, 0);
    Atomics.store(this.cells, predRuns, -1);
  }

  /** Pool: the running query, if one has run past `timeoutMs`. */
  overdue(timeoutMs: number): { role: QueryRole; database: number; predRuns: boolean | undefined } | undefined {
    if (Atomics.load(this.cells, running) !== 1) return undefined;
    if (Date.now() - this.origin - Atomics.load(this.cells, startedAt) <= timeoutMs) return undefined;
    const runs = Atomics.load(this.cells, predRuns);
    return {
      role: roles[Atomics.load(this.cells, role)] ?? 'pred',
      database: Atomics.load(this.cells, database),
      predRuns: runs < 0 ? undefined : runs === 1,
    };
  }
}
