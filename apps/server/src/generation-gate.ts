import { RequestError } from './errors.js';

/**
 * Admission for generation requests: at most `capacity` (parallel + queue) at once, each with an
 * AbortController the server aborts on client disconnect or at the end of a shutdown drain.
 */
export class GenerationGate {
  private readonly active = new Set<AbortController>();
  private readonly idleWaiters: (() => void)[] = [];
  private closed = false;
  /** Running means of completed requests, for Retry-After. */
  private completed = 0;
  private meanSeconds = 1;

  constructor(
    readonly parallel: number,
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.active.size;
  }

  /** Admits a request, or throws a 429 (queue full, with a Retry-After estimate) or a 503 (shutting down). */
  enter(): AbortController {
    if (this.closed)
      throw new RequestError(
        503,
        'the server is shutting down; send the request to another instance or retry after it restarts.',
      );
    if (this.active.size >= this.capacity) {
      throw new RequestError(
        429,
        `the server is busy: ${this.parallel} requests generating and ${this.capacity - this.parallel} queued, the most it takes (--parallel, --queue); retry after the Retry-After seconds.`,
      );
    }
    const controller = new AbortController();
    this.active.add(controller);
    return controller;
  }

  /** Seconds until a place is likely free: one mean request time per full batch ahead. */
  retryAfterSeconds(): number {
    return Math.max(
      1,
      Math.ceil((this.meanSeconds * Math.max(1, this.active.size - this.parallel + 1)) / this.parallel),
    );
  }

  leave(controller: AbortController, seconds: number): void {
    if (!this.active.delete(controller)) return;
    this.completed += 1;
    this.meanSeconds += (seconds - this.meanSeconds) / Math.min(this.completed, 50);
    if (this.active.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Refuses new requests from now on. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    return this.active.size === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  abortAll(reason: unknown): void {
    for (const controller of this.active) controller.abort(reason);
  }
}
