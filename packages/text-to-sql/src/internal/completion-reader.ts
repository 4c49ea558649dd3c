import type { FinishReason, GenerationEvent } from '@aquila/runtime';
import type { SqlGenerationRequest } from '../generation-settings.js';
import { RetryableError } from './endpoint-retries.js';

interface CompletionChunk {
  choices?: { index?: number; text?: string; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

/** The JSON body of a streamed `/v1/completions` request for `model`; `n` samples when it is over 1. */
export function completionBody(model: string, request: SqlGenerationRequest & { n?: number }): string {
  return JSON.stringify({
    model,
    ...(request.n === undefined || request.n === 1 ? {} : { n: request.n }),
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
}

/** A text delta of choice `index`. */
export interface ChoiceDelta {
  index: number;
  text: string;
}

/**
 * One completion's chunks as they are read, handed on as text deltas while the request is still running: the
 * reading side calls `read` for each payload and `finish` or `fail` at the end; the consumer iterates `deltas`,
 * then takes `end` of each choice. Chunks carry their choice's `index` (several with `n`; none means 0).
 */
export class CompletionReader {
  private readonly pending: ChoiceDelta[] = [];
  private readonly choices = new Map<number, { finishReason: FinishReason; deltas: number }>();
  private wake: (() => void) | undefined;
  private done = false;
  private failed: unknown;
  private usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
  private deltaCount = 0;
  /** The server refused a request for several choices (set by the reading side; nothing was read). */
  refused = false;

  /** Text has been handed on: a failure now cannot be retried. */
  get produced(): boolean {
    return this.deltaCount > 0;
  }

  /** The chunks with text read so far. */
  get chunks(): number {
    return this.deltaCount;
  }

  /** The choice indices that have appeared, in order. */
  get indices(): number[] {
    return [...this.choices.keys()].sort((left, right) => left - right);
  }

  read(payload: string): void {
    let chunk: CompletionChunk;
    try {
      chunk = JSON.parse(payload) as CompletionChunk;
    } catch {
      throw new RetryableError(`a response chunk is not JSON: ${payload.slice(0, 80)}`);
    }
    if (chunk.error !== undefined)
      throw new RetryableError(`the server reported an error mid-stream: ${chunk.error.message ?? 'unknown'}`);
    for (const choice of chunk.choices ?? []) {
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let state = this.choices.get(index);
      if (state === undefined) {
        state = { finishReason: 'stop', deltas: 0 };
        this.choices.set(index, state);
      }
      if (choice.text !== undefined && choice.text !== '') {
        this.pending.push({ index, text: choice.text });
        state.deltas += 1;
        this.deltaCount += 1;
        this.notify();
      }
      if (choice.finish_reason === 'length') state.finishReason = 'length';
    }
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = chunk.usage;
  }

  finish(): void {
    this.done = true;
    this.notify();
  }

  fail(error: unknown): void {
    this.failed = error;
    this.finish();
  }

  /** The text as it comes, until the request has finished. */
  async *deltas(): AsyncGenerator<ChoiceDelta> {
    while (true) {
      const delta = this.pending.shift();
      if (delta !== undefined) {
        yield delta;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /**
   * The generation-end event of choice `index` of a finished request; throws the request's failure. The usage
   * counts one choice's tokens only when the answer had one choice; with several, a choice's completion tokens are
   * its chunks (one token each in vLLM's and apps/server's streams).
   */
  end(index: number): GenerationEvent {
    this.throwIfFailed();
    const state = this.choices.get(index);
    const single = this.choices.size <= 1;
    return {
      type: 'generation-end',
      finishReason: state?.finishReason ?? 'stop',
      text: '',
      promptTokenCount: this.usage?.prompt_tokens ?? 0,
      completionTokenCount: (single ? this.usage?.completion_tokens : undefined) ?? state?.deltas ?? 0,
    };
  }

  /** Throws the request's failure, if it failed. */
  throwIfFailed(): void {
    if (this.failed !== undefined) throw this.failed;
  }

  private notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
}
