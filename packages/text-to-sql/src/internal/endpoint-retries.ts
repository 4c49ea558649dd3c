import { EndpointError } from '../errors.js';

const maxBackoffMs = 30_000;
// A Retry-After past this is not waited for in full: the retry comes sooner and may be told to wait again.
const maxRetryAfterMs = 120_000;

/** A failure before any text came (429, 5xx, a broken or empty answer): the request is tried again. */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  const milliseconds = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(milliseconds) ? Math.min(maxRetryAfterMs, Math.max(0, milliseconds)) : undefined;
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, milliseconds);
    const abort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    if (signal?.aborted === true) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });
}

/** How an endpoint's requests are retried. */
export interface RetrySettings {
  /** The endpoint's `…/v1` URL, named in errors. */
  root: string;
  /** Attempts after the first. */
  retries: number;
  /** First backoff in milliseconds, doubled each retry with jitter, at most 30 s. */
  backoffMs: number;
  /** Milliseconds one attempt may take from request to the last byte. */
  requestTimeoutMs: number;
  onRetry?: ((retry: { attempt: number; delayMs: number; reason: string }) => void) | undefined;
}

export interface WithRetriesOptions<T> {
  /** The request, as errors name it (`POST /v1/completions`). */
  what: string;
  settings: RetrySettings;
  signal: AbortSignal | undefined;
  attempt: (signal: AbortSignal) => Promise<T>;
}

/** Runs `attempt` until it succeeds or fails for good; only RetryableError (and network failures) are retried. */
export async function withRetries<T>(options: WithRetriesOptions<T>): Promise<T> {
  const { what, settings, signal, attempt } = options;
  for (let attemptNumber = 0; ; attemptNumber += 1) {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(settings.requestTimeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    let reason: string;
    let wait: number | undefined;
    try {
      return await attempt(combined);
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      if (EndpointError.isInstance(error)) throw error;
      if (error instanceof RetryableError) {
        reason = error.message;
        wait = error.retryAfterMs;
      } else if (timeout.aborted) reason = `no complete answer within ${settings.requestTimeoutMs} ms`;
      else
        reason = `${(error as Error).message}${(error as { cause?: Error }).cause?.message === undefined ? '' : ` (${(error as { cause: Error }).cause.message})`}`;
    }
    if (attemptNumber >= settings.retries)
      throw new EndpointError(
        `${what} at ${settings.root} failed after ${attemptNumber + 1} attempts: ${reason}; check that the server is up and not overloaded, or raise --retries.`,
      );
    const delayMs = wait ?? Math.min(maxBackoffMs, settings.backoffMs * 2 ** attemptNumber) * (0.5 + Math.random() / 2);
    settings.onRetry?.({ attempt: attemptNumber + 1, delayMs, reason });
    await sleep(delayMs, signal);
  }
}

/** The error for a response that is not OK: retried for 429, 408 and 5xx, an EndpointError saying what to check otherwise. */
export async function responseFailure(response: Response, root: string): Promise<Error> {
  const text = (await response.text().catch(() => '')).slice(0, 300);
  const message = `HTTP ${response.status}${text === '' ? '' : `: ${text}`}`;
  if (response.status === 429 || response.status === 408 || response.status >= 500)
    return new RetryableError(message, retryAfter(response.headers.get('retry-after')));
  return new EndpointError(
    `${root} answered ${message}${response.status === 401 || response.status === 403 ? '; check --api-key' : response.status === 404 ? '; check the endpoint URL and --model-name' : ''}.`,
  );
}
