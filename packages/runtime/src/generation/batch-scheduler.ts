import type { ModelShape } from '../checkpoint/model-config.js';
import { createRandom } from '../internal/random.js';
import { AsyncChannel } from './async-channel.js';
import type { FinishReason, GenerationEvent, GenerationOptions, GenerationTokenizer } from './generation-types.js';
import { type CachePrecision, KeyValueCache } from './key-value-cache.js';
import type { OnnxDecoder } from './onnx-decoder.js';
import { sampleToken } from './sample-token.js';
import { StopStringMatcher } from './stop-string-matcher.js';

/** A validated request, as the scheduler runs it. */
export interface ScheduledRequest {
  promptIds: readonly number[];
  maxNewTokens: number;
  options: GenerationOptions;
  stopTokenIds: ReadonlySet<number>;
  stopStrings: readonly string[];
}

interface Sequence {
  request: ScheduledRequest;
  tokenIds: number[];
  generated: number;
  pastLength: number;
  random: () => number;
  channel: AsyncChannel<GenerationEvent>;
  textDecoder: { push(id: number): string; flush(): string } | undefined;
  matcher: StopStringMatcher;
  cancelled: boolean;
  /** Whether choosing the next token needs the logits; a plain greedy request takes the graph's argmax. */
  needsLogits: boolean;
}

/** Log-softmax of `logits` at `token`, and the `top` most likely tokens (logits already penalised, unscaled). */
function logProbabilities(
  logits: Float32Array,
  token: number,
  top: number,
): { logprob: number; topLogprobs?: { tokenId: number; logprob: number }[] } {
  let largest = -Infinity;
  for (const value of logits) if (value > largest) largest = value;
  let total = 0;
  for (const value of logits) total += Math.exp(value - largest);
  const normaliser = largest + Math.log(total);
  const logprob = (logits[token] as number) - normaliser;
  if (top <= 0) return { logprob };
  const best: number[] = [];
  for (let index = 0; index < logits.length; index++) {
    const value = logits[index] as number;
    if (best.length === top && value <= (logits[best[top - 1] as number] as number)) continue;
    let position = best.length;
    while (position > 0 && (logits[best[position - 1] as number] as number) < value) position--;
    best.splice(position, 0, index);
    if (best.length > top) best.pop();
  }
  return {
    logprob,
    topLogprobs: best.map((tokenId) => ({ tokenId, logprob: (logits[tokenId] as number) - normaliser })),
  };
}

/** Whether a request's next token depends on more than the argmax of the raw logits. */
function needsLogits(options: GenerationOptions): boolean {
  const { temperature = 0, repetitionPenalty = 1, logitsProcessors = [], logprobs = false, topLogprobs = 0 } = options;
  return temperature > 0 || repetitionPenalty !== 1 || logitsProcessors.length > 0 || logprobs || topLogprobs > 0;
}

export interface BatchSchedulerOptions {
  decoder: OnnxDecoder;
  shape: ModelShape;
  /** The most sequences in one decode step; more requests wait. */
  maxBatchSize: number;
  /** Prompt tokens per prefill step; decode steps of the running batch run between chunks. */
  prefillChunkSize: number;
  tokenizer?: GenerationTokenizer;
  /** The precision the decoder's graph takes its cache in; default fp32. */
  cachePrecision?: CachePrecision;
}

/**
 * Continuous batching on one decoder: new requests are prefilled together (as many as the running batch
 * has room for), in chunks with a decode step of the running batch between them, and each joins the running
 * sequences once its prompt is in; those share one single-token decode step. Requests join and leave between
 * steps; each sequence has its own seeded PRNG, so its tokens do not depend on what it was batched with.
 */
export class BatchScheduler {
  private readonly waiting: Sequence[] = [];
  private readonly active: Sequence[] = [];
  private readonly cache: KeyValueCache;
  /** The cache of the prompts being prefilled, chunk by chunk, before they join the batch: `staged[i]` in slot i. */
  private readonly stagingCache: KeyValueCache;
  private staged: Sequence[] = [];
  private running = false;

  /** Sequences in the running batch, and requests waiting for a place in it. */
  get load(): { running: number; waiting: number } {
    return { running: this.active.length, waiting: this.waiting.length + this.staged.length };
  }

  constructor(private readonly options: BatchSchedulerOptions) {
    const { shape, cachePrecision } = options;
    this.cache = new KeyValueCache(
      shape.layerCount,
      shape.keyValueHeadCount,
      shape.headSize,
      shape.maxPositions,
      cachePrecision,
    );
    this.stagingCache = new KeyValueCache(
      shape.layerCount,
      shape.keyValueHeadCount,
      shape.headSize,
      shape.maxPositions,
      cachePrecision,
    );
  }

  /** Queues a request; its events arrive on the returned stream. Ending the iteration early cancels it. */
  async *submit(request: ScheduledRequest): AsyncGenerator<GenerationEvent> {
    const keepSpecial = request.options.keepSpecialTokens === true;
    const sequence: Sequence = {
      request,
      tokenIds: [...request.promptIds],
      generated: 0,
      pastLength: 0,
      random: createRandom(request.options.seed ?? 0),
      channel: new AsyncChannel(),
      textDecoder: this.options.tokenizer?.createStreamingDecoder({ skipSpecialTokens: !keepSpecial }),
      matcher: new StopStringMatcher(request.stopStrings),
      cancelled: false,
      needsLogits: needsLogits(request.options),
    };
    this.waiting.push(sequence);
    // A request still queued behind a full batch leaves the queue as soon as it is aborted.
    const signal = request.options.signal;
    const onAbort = (): void => {
      const index = this.waiting.indexOf(sequence);
      if (index < 0) return;
      this.waiting.splice(index, 1);
      sequence.channel.fail(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (!this.running) void this.loop();
    try {
      yield* sequence.channel.drain();
    } finally {
      sequence.cancelled = true;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private remove(sequence: Sequence): void {
    const index = this.active.indexOf(sequence);
    if (index < 0) return;
    const last = this.active.length - 1;
    if (index !== last) {
      this.cache.move(last, index);
      this.active[index] = this.active[last] as Sequence;
    }
    this.active.pop();
  }

  private finish(sequence: Sequence, reason: FinishReason, stoppedByString: boolean): void {
    let text = '';
    if (!stoppedByString && sequence.textDecoder) {
      const last = sequence.matcher.push(sequence.textDecoder.flush());
      text = last.text + (last.stopped ? '' : sequence.matcher.flush());
      if (last.stopped) reason = 'stop';
    }
    sequence.channel.push({
      type: 'generation-end',
      finishReason: reason,
      text,
      promptTokenCount: sequence.request.promptIds.length,
      completionTokenCount: sequence.generated,
    });
    sequence.channel.close();
    this.remove(sequence);
  }

  /** Picks the next token (sampled from the logits when the request needs them, else the graph's argmax) and emits it. */
  private accept(sequence: Sequence, logits: Float32Array | undefined, nextToken: number): void {
    const { options } = sequence.request;
    if (sequence.cancelled) return this.remove(sequence);
    if (options.signal?.aborted) {
      sequence.channel.fail(options.signal.reason);
      return this.remove(sequence);
    }
    let token = nextToken;
    if (logits) {
      for (const processor of options.logitsProcessors ?? [])
        processor({ logits, tokenIds: sequence.tokenIds, promptLength: sequence.request.promptIds.length });
      token = sampleToken({ ...options, logits, tokenIds: sequence.tokenIds, random: sequence.random });
    }
    if (sequence.request.stopTokenIds.has(token)) return this.finish(sequence, 'stop', false);
    const probabilities =
      logits && (options.logprobs || (options.topLogprobs ?? 0) > 0)
        ? logProbabilities(logits, token, options.topLogprobs ?? 0)
        : {};
    sequence.tokenIds.push(token);
    sequence.generated += 1;
    let text = '';
    if (sequence.textDecoder) {
      const matched = sequence.matcher.push(sequence.textDecoder.push(token));
      text = matched.text;
      if (matched.stopped) {
        sequence.channel.push({ type: 'token-delta', tokenId: token, text, ...probabilities });
        return this.finish(sequence, 'stop', true);
      }
    }
    sequence.channel.push({ type: 'token-delta', tokenId: token, text, ...probabilities });
    if (
      sequence.generated >= sequence.request.maxNewTokens ||
      sequence.tokenIds.length >= this.options.shape.maxPositions
    )
      this.finish(sequence, 'length', false);
  }

  private failAll(sequences: Sequence[], error: unknown): void {
    for (const sequence of sequences) {
      sequence.channel.fail(error);
      this.remove(sequence);
    }
  }

  /** Keeps the staged prompts `keep` accepts, in order, moving their cache slots down to stay consecutive. */
  private keepStaged(keep: (sequence: Sequence, index: number) => boolean): void {
    const kept: Sequence[] = [];
    this.staged.forEach((sequence, index) => {
      if (!keep(sequence, index)) return;
      this.stagingCache.move(index, kept.length);
      kept.push(sequence);
    });
    this.staged = kept;
  }

  /**
   * Runs one chunk of every staged prompt (first staging waiting requests while the batch and the step's
   * token budget have room): a step's rows share their token count, so the chunk is as long as the shortest
   * remaining prompt allows.
   * A finished prompt moves into the batch's cache and joins the decode steps.
   */
  private async prefillChunk(): Promise<void> {
    // Short prompts share a step up to prefillChunkSize tokens in all: that bounds a step's activations and the
    // staging cache, and long prompts (a compute-bound prefill either way) go one at a time, in chunks.
    let stagedTokens = this.staged.reduce((sum, sequence) => sum + sequence.request.promptIds.length, 0);
    while (this.staged.length + this.active.length < this.options.maxBatchSize) {
      const next = this.waiting[0];
      if (
        !next ||
        (this.staged.length > 0 && stagedTokens + next.request.promptIds.length > this.options.prefillChunkSize)
      )
        break;
      this.waiting.shift();
      if (next.cancelled) continue;
      if (next.request.options.signal?.aborted) {
        next.channel.fail(next.request.options.signal.reason);
        continue;
      }
      this.staged.push(next);
      stagedTokens += next.request.promptIds.length;
    }
    this.keepStaged((sequence) => {
      const { signal } = sequence.request.options;
      if (!sequence.cancelled && !signal?.aborted) return true;
      if (!sequence.cancelled) sequence.channel.fail(signal?.reason);
      return false;
    });
    if (this.staged.length === 0) return;
    const length = Math.min(
      this.options.prefillChunkSize,
      ...this.staged.map((sequence) => sequence.request.promptIds.length - sequence.pastLength),
    );
    const rows = this.staged.map((sequence) => ({
      tokenIds: sequence.request.promptIds.slice(sequence.pastLength, sequence.pastLength + length),
      pastLength: sequence.pastLength,
    }));
    const finishing = this.staged.map((sequence) => sequence.pastLength + length === sequence.request.promptIds.length);
    try {
      const step = await this.options.decoder.step(rows, this.stagingCache, 0, {
        logits: this.staged.some((sequence, index) => finishing[index] && sequence.needsLogits),
      });
      const joining: [Sequence, number][] = [];
      this.staged.forEach((sequence, index) => {
        sequence.pastLength += length;
        if (!finishing[index]) return;
        this.cache.copySequence(this.stagingCache, index, this.active.length, sequence.pastLength);
        this.active.push(sequence);
        joining.push([sequence, index]);
      });
      this.keepStaged((_, index) => !finishing[index]);
      for (const [sequence, index] of joining)
        this.accept(sequence, sequence.needsLogits ? step.logits[index] : undefined, step.nextTokens[index] as number);
    } catch (error) {
      for (const sequence of this.staged) sequence.channel.fail(error);
      this.staged = [];
    }
  }

  private async loop(): Promise<void> {
    this.running = true;
    const { decoder, maxBatchSize } = this.options;
    try {
      while (this.waiting.length > 0 || this.active.length > 0 || this.staged.length > 0) {
        // One prompt chunk, then one decode step: a long prompt never stalls running streams for long.
        if (this.active.length < maxBatchSize) await this.prefillChunk();
        const batch = [...this.active];
        if (batch.length === 0) continue;
        try {
          const rows = batch.map((sequence) => ({
            tokenIds: [sequence.tokenIds.at(-1) as number],
            pastLength: sequence.pastLength,
          }));
          const step = await decoder.step(rows, this.cache, 0, {
            logits: batch.some((sequence) => sequence.needsLogits),
          });
          batch.forEach((sequence, index) => {
            sequence.pastLength += 1;
            this.accept(
              sequence,
              sequence.needsLogits ? step.logits[index] : undefined,
              step.nextTokens[index] as number,
            );
          });
        } catch (error) {
          this.failAll(batch, error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
