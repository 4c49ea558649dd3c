import type { GenerationEvent } from '@aquila/runtime';
import { EndpointError, TextToSqlOptionsError } from './errors.js';
import type { SqlGenerationRequest } from './generation-settings.js';
import { CompletionReader, completionBody } from './internal/completion-reader.js';
import { RetryableError, type RetrySettings, responseFailure, withRetries } from './internal/endpoint-retries.js';
import { separateChoices } from './internal/separate-choices.js';
import { serverSentData } from './internal/server-sent-data.js';
import type { SqlChoiceEvent, SqlChoicesRequest, TextToSqlModel } from './text-to-sql-model.js';

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
  /**
   * Requests at once when the n samples of `streamChoices` go as n requests (a server that refuses `n`, or answers
   * with fewer choices). Default 8.
   */
  parallelRequests?: number;
}

/** An OpenAI-compatible model: {@link TextToSqlModel} plus what a run record needs to say about it. */
export interface OpenAiModel extends TextToSqlModel {
  readonly endpoint: string;
  /** The model name sent (resolved from `/v1/models` when not given). */
  modelName(signal?: AbortSignal): Promise<string>;
  streamChoices(request: SqlChoicesRequest): AsyncIterable<SqlChoiceEvent>;
  /** Whether samples now go as one request with `n` (true until the server refused `n` or gave fewer choices). */
  readonly sendsN: boolean;
}

function positive(name: string, value: number, minimum: number): number {
  if (!Number.isFinite(value) || value < minimum)
    throw new TextToSqlOptionsError(`${name} must be a number ≥ ${minimum}, got ${value}.`);
  return value;
}

// The `…/v1` URL of an endpoint given with or without `/v1`.
function endpointRoot(endpoint: string): string {
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch (error) {
    throw new TextToSqlOptionsError(
      `endpoint ${JSON.stringify(endpoint)} is not a URL; give e.g. http://127.0.0.1:9175/v1.`,
      { cause: error },
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TextToSqlOptionsError(`endpoint ${endpoint} is not http(s).`);
  return `${base.href.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1`;
}

// A 400 (or 422) whose message names `n`: the server takes one choice per request (apps/server before `n`, llama.cpp).
const refusesN = (status: number, message: string): boolean =>
  (status === 400 || status === 422) &&
  /(^|[^a-z0-9_])n([^a-z0-9_]|$)|choice/i.test(message.replace(/^.*?HTTP \d+/, ''));

// One endpoint's requests: the model name (asked once), and streamed completions.
class OpenAiClient {
  private readonly settings: RetrySettings;
  private readonly headers: Record<string, string>;
  private readonly parallelRequests: number;
  private resolvedName: Promise<string> | undefined;
  /** Samples go as one request with `n` until the server shows it does not take it. */
  sendsN = true;

  constructor(options: {
    settings: RetrySettings;
    headers: Record<string, string>;
    modelName: string | undefined;
    parallelRequests: number;
  }) {
    this.settings = options.settings;
    this.headers = options.headers;
    this.parallelRequests = options.parallelRequests;
    this.resolvedName = options.modelName === undefined ? undefined : Promise.resolve(options.modelName);
  }

  modelName(signal?: AbortSignal): Promise<string> {
    const { root } = this.settings;
    this.resolvedName ??= withRetries({
      what: 'GET /v1/models',
      settings: this.settings,
      signal,
      attempt: async (attemptSignal) => {
        const response = await fetch(`${root}/models`, { headers: this.headers, signal: attemptSignal });
        if (!response.ok) throw await responseFailure(response, root);
        const body = (await response.json().catch(() => undefined)) as { data?: { id?: unknown }[] } | undefined;
        const id = body?.data?.[0]?.id;
        if (typeof id !== 'string') throw new EndpointError(`${root}/models lists no model; give --model-name.`);
        return id;
      },
    }).catch((error: unknown) => {
      this.resolvedName = undefined;
      throw error;
    });
    return this.resolvedName;
  }

  async *stream(request: SqlGenerationRequest): AsyncGenerator<GenerationEvent> {
    const reader = new CompletionReader();
    for await (const delta of this.request(request, reader))
      yield { type: 'token-delta', tokenId: -1, text: delta.text };
    yield reader.end(reader.indices[0] ?? 0);
  }

  /**
   * The n samples: one request with `n`, and the samples it did not bring (all of them when the server refuses
   * `n`) as one request each with seed + i. Once a server has shown it does not take `n`, later calls go straight
   * to single requests.
   */
  async *streamChoices(request: SqlChoicesRequest): AsyncGenerator<SqlChoiceEvent> {
    const { n, ...single } = request;
    if (!Number.isInteger(n) || n < 1 || n > 64)
      throw new TextToSqlOptionsError(`n must be an integer from 1 to 64, got ${n}.`);
    let missing = Array.from({ length: n }, (_, index) => index);
    if (this.sendsN && n > 1) {
      const reader = new CompletionReader();
      for await (const delta of this.request(request, reader))
        if (delta.index < n) yield { type: 'token-delta', tokenId: -1, text: delta.text, index: delta.index };
      if (reader.refused) this.sendsN = false;
      else {
        const received = new Set(reader.indices.filter((index) => index < n));
        for (const index of received) yield { ...reader.end(index), index };
        missing = missing.filter((index) => !received.has(index));
        if (missing.length > 0) this.sendsN = false;
      }
    }
    yield* separateChoices({
      stream: (one) => this.stream(one),
      request: single,
      indices: missing,
      concurrency: this.parallelRequests,
    });
  }

  // One request, read into `reader` with its deltas handed on as they come; a failure before the first is retried.
  private async *request(
    request: SqlGenerationRequest & { n?: number },
    reader: CompletionReader,
  ): AsyncGenerator<{ index: number; text: string }> {
    // A consumer that stops reading cancels the request.
    const stopped = new AbortController();
    const signal = request.signal === undefined ? stopped.signal : AbortSignal.any([request.signal, stopped.signal]);
    const body = completionBody(await this.modelName(signal), request);
    const run = withRetries({
      what: 'POST /v1/completions',
      settings: this.settings,
      signal,
      attempt: (attemptSignal) => this.complete(body, reader, attemptSignal, (request.n ?? 1) > 1),
    }).then(
      () => reader.finish(),
      (error: unknown) => reader.fail(error),
    );
    try {
      yield* reader.deltas();
    } finally {
      stopped.abort(new Error('the consumer stopped reading'));
    }
    await run;
    reader.throwIfFailed();
  }

  // One attempt at a completion, read into `reader`; a request for several choices that the server refuses marks it.
  private async complete(body: string, reader: CompletionReader, signal: AbortSignal, choices: boolean): Promise<void> {
    const { root } = this.settings;
    const response = await fetch(`${root}/completions`, { method: 'POST', headers: this.headers, body, signal });
    if (!response.ok || response.body === null) {
      if (response.ok) throw new RetryableError('an empty response');
      const failure = await responseFailure(response, root);
      if (choices && refusesN(response.status, failure.message)) {
        reader.refused = true;
        return;
      }
      throw failure;
    }
    try {
      if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        // A server that ignores `stream` answers with one completion.
        reader.read(await response.text());
        return;
      }
      const events = serverSentData(response.body);
      let step = await events.next();
      while (step.done !== true) {
        reader.read(step.value);
        step = await events.next();
      }
      if (!step.value) throw new RetryableError('the stream ended without data: [DONE] (cut off)');
    } catch (error) {
      // Text already handed on cannot be taken back: the caller retries the whole request.
      if (reader.produced)
        throw new EndpointError(
          `the answer from ${root}/completions broke off after ${reader.chunks} chunks: ${(error as Error).message}; retry the request.`,
          { cause: error },
        );
      throw error;
    }
  }
}

/**
 * A client for any OpenAI-compatible `/v1/completions` server (apps/server, vLLM, llama.cpp's server) that
 * streams like @aquila/runtime's LanguageModel. Failures before any text arrives (429 with Retry-After, 5xx,
 * network errors, timeouts) are retried with exponential backoff; a stream cut off after text has come
 * throws EndpointError, for the caller to retry the item. Token ids are not known over HTTP: `tokenId` is -1.
 * `streamChoices` asks for `n` samples in one request (vLLM, apps/server: choices with `index`); a server that
 * refuses `n` (a 400 naming it) or answers with fewer choices gets the missing samples as single requests with
 * seed + i, `parallelRequests` at once, and single requests from then on.
 */
export function createOpenAiModel(options: OpenAiModelOptions): OpenAiModel {
  const root = endpointRoot(options.endpoint);
  const settings: RetrySettings = {
    root,
    retries: positive('retries', options.retries ?? 5, 0),
    backoffMs: positive('backoffMs', options.backoffMs ?? 500, 0),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs ?? 300_000, 1),
    onRetry: options.onRetry,
  };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream, application/json',
  };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  const client = new OpenAiClient({
    settings,
    headers,
    modelName: options.modelName,
    parallelRequests: positive('parallelRequests', options.parallelRequests ?? 8, 1),
  });
  return {
    endpoint: root,
    tokenizer: undefined,
    modelName: (signal) => client.modelName(signal),
    stream: (request) => client.stream(request),
    streamChoices: (request) => client.streamChoices(request),
    get sendsN() {
      return client.sendsN;
    },
  };
}
