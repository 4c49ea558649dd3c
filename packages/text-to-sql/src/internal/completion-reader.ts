import type { FinishReason, GenerationEvent } from '@aquila/runtime';
import type { SqlGenerationRequest } from '../generation-settings.js';
import { RetryableError } from './endpoint-retries.js';

interface CompletionChunk {
  choices?: { text?: string; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

/** The JSON body of a streamed `/v1/completions` request for `model`. */
export function completionBody(model: string, request: SqlGenerationRequest): string {
  return JSON.stringify({
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
}

/**
 * One completion's chunks as they are read, handed on as token deltas while the request is still running: the
 * reading side calls `read` for each payload and `finish` or `fail` at the end; the consumer iterates `deltas`,
 * then takes `end`.
 */
export class CompletionReader {
  private readonly pending: string[] = [];
  private wake: (() => void) | undefined;
  private done = false;
  private failed: unknown;
  private finishReason: FinishReason = 'stop';
  private usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
  private deltaCount = 0;

  /** Text has been handed on: a failure now cannot be retried. */
  get produced(): boolean {
    return this.deltaCount > 0;
  }

  /** The chunks with text read so far. */
  get chunks(): number {
    return this.deltaCount;
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
    const choice = chunk.choices?.[0];
    if (choice?.text !== undefined && choice.text !== '') {
      this.pending.push(choice.text);
      this.deltaCount += 1;
      this.notify();
    }
    if (choice?.finish_reason === 'length') this.finishReason = 'length';
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

  /** The text as token deltas (token ids are not known over HTTP: -1), until the request has finished. */
  async *deltas(): AsyncGenerator<GenerationEvent> {
    while (true) {
      const text = this.pending.shift();
      if (text !== undefined) {
        yield { type: 'token-delta', tokenId: -1, text };
        continue;
      }
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** The generation-end event of a finished request; throws the request's failure. */
  end(): GenerationEvent {
    if (this.failed !== undefined) throw this.failed;
    return {
      type: 'generation-end',
      finishReason: this.finishReason,
      text: '',
      promptTokenCount: this.usage?.prompt_tokens ?? 0,
      completionTokenCount: this.usage?.completion_tokens ?? this.deltaCount,
    };
  }

  private notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
}
