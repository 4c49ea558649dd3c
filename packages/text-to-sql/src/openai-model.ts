import type { FinishReason, GenerationEvent } from '@aquila/runtime';
import { EndpointError, TextToSqlOptionsError } from './errors.js';
import type { SqlGenerationRequest } from './generation-settings.js';
import type { TextToSqlModel } from './text-to-sql-model.js';

export interface OpenAiModelOptions {
  /** The server's base URL: `http://host:port` or `http://host:port/v1`. */
  endpoint: string;
  /** Sent as `Authorization: Bearer …`. */
  apiKey?: string;
  /** The `model` field; default: the first id of `GET /v1/models`. */
  modelName?: string;
  /** Attempts after the first for a request that failed before any text came (429, 5xx, network, timeout). Default 5. */
  retries?: number;
  /** First backoff in milliseconds, doubled each retry with jitter, at most 30 s. Default 500. */
  backoffMs?: number;
  /** Milliseconds one attempt may take from request to the last byte. Default 300000. */
  requestTimeoutMs?: number;
  /** Called before each retry (for logs and tests). */
  onRetry?: (retry: { attempt: number; delayMs: number; reason: string }) => void;
}

/** An OpenAI-compatible model: {@link TextToSqlModel} plus what a run record needs to say about it. */
export interface OpenAiModel extends TextToSqlModel {
  readonly endpoint: string;
  /** The model name sent (resolved from `/v1/models` when not given). */
  modelName(signal?: AbortSignal): Promise<string>;
}

const maxBackoffMs = 30_000;
// A Retry-After past this is not waited for in full: the retry comes sooner and may be told to wait again.
const maxRetryAfterMs = 120_000;

class RetryableError extends Error {
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

function positive(name: string, value: number, minimum: number): number {
  if (!Number.isFinite(value) || value < minimum)
    throw new TextToSqlOptionsError(`${name} must be a number ≥ ${minimum}, got ${value}.`);
  return value;
}

interface CompletionChunk {
  choices?: { text?: string; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

/** Server-sent events of a response body: each `data:` payload, until `[DONE]`. */
async function* serverSentData(body: ReadableStream<Uint8Array>): AsyncGenerator<string, boolean> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.search(/\r?\n/);
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1);
      newline = buffer.search(/\r?\n/);
      if (line === '') {
        if (data.length > 0) {
          const payload = data.join('\n');
          data = [];
          if (payload === '[DONE]') return true;
          yield payload;
        }
      } else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
    }
  }
  return false;
}

/**
 * A client for any OpenAI-compatible `/v1/completions` server (apps/server, vLLM, llama.cpp's server) that
 * streams like @aquila/runtime's LanguageModel. Failures before any text arrives (429 with Retry-After, 5xx,
 * network errors, timeouts) are retried with exponential backoff; a stream cut off after text has come
 * throws EndpointError, for the caller to retry the item. Token ids are not known over HTTP: `tokenId` is -1.
 */
export function createOpenAiModel(options: OpenAiModelOptions): OpenAiModel {
  let base: URL;
  try {
    base = new URL(options.endpoint);
  } catch (error) {
    throw new TextToSqlOptionsError(
      `endpoint ${JSON.stringify(options.endpoint)} is not a URL; give e.g. http://127.0.0.1:9175/v1.`,
      { cause: error },
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TextToSqlOptionsError(`endpoint ${options.endpoint} is not http(s).`);
  const root = `${base.href.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1`;
  const retries = positive('retries', options.retries ?? 5, 0);
  const backoffMs = positive('backoffMs', options.backoffMs ?? 500, 0);
  const requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 300_000, 1);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream, application/json',
  };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  let resolvedName: Promise<string> | undefined =
    options.modelName === undefined ? undefined : Promise.resolve(options.modelName);

  // Runs `attempt` until it succeeds or fails for good; only RetryableError (and network failures) are retried.
  async function withRetries<T>(
    what: string,
    signal: AbortSignal | undefined,
    attempt: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    for (let attemptNumber = 0; ; attemptNumber += 1) {
      signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(requestTimeoutMs);
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
        } else if (timeout.aborted) reason = `no complete answer within ${requestTimeoutMs} ms`;
        else
          reason = `${(error as Error).message}${(error as { cause?: Error }).cause?.message === undefined ? '' : ` (${(error as { cause: Error }).cause.message})`}`;
      }
      if (attemptNumber >= retries)
        throw new EndpointError(
          `${what} at ${root} failed after ${attemptNumber + 1} attempts: ${reason}; check that the server is up and not overloaded, or raise --retries.`,
        );
      const delayMs = wait ?? Math.min(maxBackoffMs, backoffMs * 2 ** attemptNumber) * (0.5 + Math.random() / 2);
      options.onRetry?.({ attempt: attemptNumber + 1, delayMs, reason });
      await sleep(delayMs, signal);
    }
  }

  async function failure(response: Response): Promise<Error> {
    const text = (await response.text().catch(() => '')).slice(0, 300);
    const message = `HTTP ${response.status}${text === '' ? '' : `: ${text}`}`;
    if (response.status === 429 || response.status === 408 || response.status >= 500)
      return new RetryableError(message, retryAfter(response.headers.get('retry-after')));
    return new EndpointError(
      `${root} answered ${message}${response.status === 401 || response.status === 403 ? '; check --api-key' : response.status === 404 ? '; check the endpoint URL and --model-name' : ''}.`,
    );
  }

  function modelName(signal?: AbortSignal): Promise<string> {
    resolvedName ??= withRetries('GET /v1/models', signal, async (attemptSignal) => {
      const response = await fetch(`${root}/models`, { headers, signal: attemptSignal });
      if (!response.ok) throw await failure(response);
      const body = (await response.json().catch(() => undefined)) as { data?: { id?: unknown }[] } | undefined;
      const id = body?.data?.[0]?.id;
      if (typeof id !== 'string') throw new EndpointError(`${root}/models lists no model; give --model-name.`);
      return id;
    }).catch((error: unknown) => {
      resolvedName = undefined;
      throw error;
    });
    return resolvedName;
  }

  async function* stream(request: SqlGenerationRequest): AsyncGenerator<GenerationEvent> {
    // A consumer that stops reading cancels the request.
    const stopped = new AbortController();
    const signal = request.signal === undefined ? stopped.signal : AbortSignal.any([request.signal, stopped.signal]);
    const model = await modelName(signal);
    const body = JSON.stringify({
      model,
      prompt: request.promptIds === undefined ? (request.prompt ?? '') : [...request.promptIds],
      // vLLM's field (apps/server reads it too): the server's tokenizer adds BOS, as the local FlagAI path does.
      ...(request.addBos === true && request.promptIds === undefined ? { add_special_tokens: true } : {}),
      ...(request.maxNewTokens === undefined ? {} : { max_tokens: request.maxNewTokens }),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.topP === undefined ? {} : { top_p: request.topP }),
      // Not OpenAI's, but vLLM, llama.cpp and apps/server read it.
      ...(request.topK === undefined || request.topK === 0 ? {} : { top_k: request.topK }),
      ...(request.seed === undefined ? {} : { seed: request.seed }),
      ...(request.stopStrings === undefined || request.stopStrings.length === 0
        ? {}
        : { stop: [...request.stopStrings].slice(0, 4) }),
      stream: true,
      stream_options: { include_usage: true },
    });
    let produced = false;
    let finishReason: FinishReason = 'stop';
    let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
    let chunks = 0;
    // Deltas are handed on as they come; a failure before the first one is retried.
    const pending: string[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    let failed: unknown;
    const notify = (): void => {
      wake?.();
      wake = undefined;
    };
    const read = (payload: string): void => {
      let chunk: CompletionChunk;
      try {
        chunk = JSON.parse(payload) as CompletionChunk;
      } catch {
        throw new RetryableError(`a response chunk is not JSON: ${payload.slice(0, 80)}`);
      }
      if (chunk.error !== undefined)
        throw new RetryableError(`the server reported an error mid-stream: ${chunk.error.message ?? 'unknown'}`);
      const choice = chunk.choices?.[0];
      if (choice?.text !== undefined && choice.text !== '') {
        pending.push(choice.text);
        produced = true;
        chunks += 1;
        notify();
      }
      if (choice?.finish_reason === 'length') finishReason = 'length';
      if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
    };
    const run = withRetries('POST /v1/completions', signal, async (attemptSignal) => {
      const response = await fetch(`${root}/completions`, { method: 'POST', headers, body, signal: attemptSignal });
      if (!response.ok || response.body === null)
        throw response.ok ? new RetryableError('an empty response') : await failure(response);
      try {
        if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
          // A server that ignores `stream` answers with one completion.
          read(await response.text());
          return;
        }
        const events = serverSentData(response.body);
        let step = await events.next();
        while (step.done !== true) {
          read(step.value);
          step = await events.next();
        }
        if (!step.value) throw new RetryableError('the stream ended without data: [DONE] (cut off)');
      } catch (error) {
        // Text already handed on cannot be taken back: the caller retries the whole request.
        if (produced)
          throw new EndpointError(
            `the answer from ${root}/completions broke off after ${chunks} chunks: ${(error as Error).message}; retry the request.`,
            { cause: error },
          );
        throw error;
      }
    }).then(
      () => {
        done = true;
        notify();
      },
      (error: unknown) => {
        failed = error;
        done = true;
        notify();
      },
    );
    try {
      while (true) {
        const text = pending.shift();
        if (text !== undefined) {
          yield { type: 'token-delta', tokenId: -1, text };
          continue;
        }
        if (done) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      stopped.abort(new Error('the consumer stopped reading'));
    }
    await run;
    if (failed !== undefined) throw failed;
    yield {
      type: 'generation-end',
      finishReason,
      text: '',
      promptTokenCount: usage?.prompt_tokens ?? 0,
      completionTokenCount: usage?.completion_tokens ?? chunks,
    };
  }

  return { endpoint: root, tokenizer: undefined, modelName, stream };
}
