import type { GenerationEvent } from '@aquila/runtime';
import { EndpointError, TextToSqlOptionsError } from './errors.js';
import type { SqlGenerationRequest } from './generation-settings.js';
import { CompletionReader, completionBody } from './internal/completion-reader.js';
import { RetryableError, type RetrySettings, responseFailure, withRetries } from './internal/endpoint-retries.js';
import { serverSentData } from './internal/server-sent-data.js';
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

// One endpoint's requests: the model name (asked once), and streamed completions.
class OpenAiClient {
  private readonly settings: RetrySettings;
  private readonly headers: Record<string, string>;
  private resolvedName: Promise<string> | undefined;

  constructor(options: { settings: RetrySettings; headers: Record<string, string>; modelName: string | undefined }) {
    this.settings = options.settings;
    this.headers = options.headers;
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
    // A consumer that stops reading cancels the request.
    const stopped = new AbortController();
    const signal = request.signal === undefined ? stopped.signal : AbortSignal.any([request.signal, stopped.signal]);
    const body = completionBody(await this.modelName(signal), request);
    // Deltas are handed on as they come; a failure before the first one is retried.
    const reader = new CompletionReader();
    const run = withRetries({
      what: 'POST /v1/completions',
      settings: this.settings,
      signal,
      attempt: (attemptSignal) => this.complete(body, reader, attemptSignal),
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
    yield reader.end();
  }

  // One attempt at a completion, read into `reader`.
  private async complete(body: string, reader: CompletionReader, signal: AbortSignal): Promise<void> {
    const { root } = this.settings;
    const response = await fetch(`${root}/completions`, { method: 'POST', headers: this.headers, body, signal });
    if (!response.ok || response.body === null)
      throw response.ok ? new RetryableError('an empty response') : await responseFailure(response, root);
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
  const client = new OpenAiClient({ settings, headers, modelName: options.modelName });
  return {
    endpoint: root,
    tokenizer: undefined,
    modelName: (signal) => client.modelName(signal),
    stream: (request) => client.stream(request),
  };
}
