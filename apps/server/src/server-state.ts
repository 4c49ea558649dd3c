import type { ChoiceEvent, ChoicesRequest, GenerationEvent, GenerationRequest, LanguageModel } from '@aquila/runtime';
import type { SqlDatabase } from '@aquila/text-to-sql';
import type { Tokenizer } from '@aquila/tokenizer';
import type { GenerationGate } from './generation-gate.js';
import type { JsonLogger } from './json-logger.js';
import type { ServerMetrics } from './server-metrics.js';

/** What every route shares: the model, its tokenizer, the registered databases, admission, metrics, logs. */
export interface ServerState {
  model: LanguageModel;
  tokenizer: Tokenizer;
  modelName: string;
  databases: ReadonlyMap<string, SqlDatabase>;
  gate: GenerationGate;
  metrics: ServerMetrics;
  logger: JsonLogger;
  /** Seconds since the epoch at start, for OpenAI's `created`. */
  created: number;
}

/** One admitted generation request: aborted when the client goes away or a shutdown drain ends. */
export interface Admission {
  controller: AbortController;
  started: number;
  release: () => void;
}

/** Admits a request (429/503 when it cannot) and ties its abort to the client's connection. */
export function admit(state: ServerState, request: Request): Admission {
  const controller = state.gate.enter();
  const started = performance.now();
  const onDisconnect = (): void => controller.abort(new DOMException('the client closed the connection', 'AbortError'));
  request.signal.addEventListener('abort', onDisconnect, { once: true });
  if (request.signal.aborted) onDisconnect();
  return {
    controller,
    started,
    release: () => {
      request.signal.removeEventListener('abort', onDisconnect);
      state.gate.leave(controller, (performance.now() - started) / 1000);
    },
  };
}

/**
 * Encodes user text without turning special-token spellings (`</s>`, `[CLS]`) into control ids: a prompt
 * cannot end or restart the model's sequence by typing them (FlagAI parses them).
 */
export function plainTokenizer(tokenizer: Tokenizer): Tokenizer {
  return new Proxy(tokenizer, {
    get(target, key) {
      if (key === 'encode') return (text: string) => target.encode(text, { parseSpecialTokens: false });
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Streams a generation under an admission, counting tokens as they come and the time to the first; releases the admission at the end. */
export function generate(
  state: ServerState,
  admission: Admission,
  request: GenerationRequest,
): AsyncGenerator<GenerationEvent> {
  return metered(state, admission, request, state.model.stream({ ...request, signal: admission.controller.signal }));
}

/**
 * `generate` for `n` choices of one prompt (events tagged with their choice's `index`; choice i sampled with
 * seed `(seed ?? 0) + i`): one admission, the prompt's tokens counted once, every choice's tokens counted.
 */
export function generateChoices(
  state: ServerState,
  admission: Admission,
  request: ChoicesRequest,
): AsyncGenerator<ChoiceEvent> {
  return metered(
    state,
    admission,
    request,
    state.model.streamChoices({ ...request, signal: admission.controller.signal }),
  );
}

async function* metered<Event extends GenerationEvent>(
  state: ServerState,
  admission: Admission,
  request: GenerationRequest,
  events: AsyncGenerator<Event>,
): AsyncGenerator<Event> {
  let started = false;
  try {
    for await (const event of events) {
      if (!started) {
        started = true;
        state.metrics.firstTokenAfter((performance.now() - admission.started) / 1000);
        state.metrics.tokens(request.promptIds?.length ?? 0, 0);
      }
      if (event.type === 'token-delta') state.metrics.tokens(0, 1);
      yield event;
    }
  } finally {
    admission.release();
  }
}

/**
 * Starts an async generator and waits for its first item, so that errors found before any output
 * (a prompt too long, bad options) become a 400 instead of a broken stream.
 */
export async function primed<T>(source: AsyncGenerator<T>): Promise<AsyncGenerator<T>> {
  const first = await source.next();
  return (async function* () {
    if (first.done) return;
    yield first.value;
    yield* source;
  })();
}

/** The bodies of streamed answers, which the request log times at their end rather than at their headers. */
export const streamedBodies = new WeakSet<ReadableStream<Uint8Array>>();

/**
 * An HTTP streaming response from text chunks. When the client goes away the stream is cancelled:
 * the admission is aborted (the scheduler drops the sequence at its next step) and released.
 */
export function streamingResponse(chunks: AsyncGenerator<string>, admission: Admission, contentType: string): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel(reason) {
      admission.controller.abort(reason ?? new DOMException('the client closed the connection', 'AbortError'));
      admission.release();
      // Runs the producers' `finally` blocks (a DDL database is closed there).
      chunks.return(undefined).catch(() => undefined);
    },
  });
  streamedBodies.add(body);
  return new Response(body, {
    headers: { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
  });
}
