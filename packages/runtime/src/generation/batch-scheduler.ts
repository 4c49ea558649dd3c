import type { ModelShape } from '../checkpoint/model-config.js';
import { createRandom } from '../internal/random.js';
import { AsyncChannel } from './async-channel.js';
import type {
  ChoiceEvent,
  FinishReason,
  GenerationEvent,
  GenerationOptions,
  GenerationTokenizer,
} from './generation-types.js';
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

/**
 * One `submit` call: the stream its sequences send events to, and for n choices the forks that wait for the
 * prompt's prefill (shared by all n) and then for places in the batch.
 */
interface Submission {
  channel: AsyncChannel<GenerationEvent | ChoiceEvent>;
  /** Sequences not yet ended: the stream closes after the last one's `generation-end`. */
  open: number;
  /** The consumer stopped reading: every sequence of the submission is dropped at its next step. */
  cancelled: boolean;
  signal: AbortSignal | undefined;
  /** Choices 1…n−1, in order: they start from the prefill of choice 0's prompt. */
  forks: Sequence[];
  /** Where the forks start, kept while they wait for places. */
  prefix?: ForkPrefix;
}

/** A prefilled prompt: its cache rows (slot 0), and its last position's logits before any sampling wrote into them. */
interface ForkPrefix {
  cache: KeyValueCache;
  length: number;
  logits: Float32Array | undefined;
  nextToken: number;
}

interface Sequence {
  request: ScheduledRequest;
  submission: Submission;
  /** The choice's index in its submission, tagged on its events; undefined for a plain request. */
  index: number | undefined;
  tokenIds: number[];
  generated: number;
  pastLength: number;
  random: () => number;
  textDecoder: { push(id: number): string; flush(): string } | undefined;
  matcher: StopStringMatcher;
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
 *
 * A request for n choices is prefilled once, as one sequence: its prompt's cache rows are then copied into n
 * sequences (seeds seed…seed+n−1) that decode like independent requests. Forks that find the batch full wait,
 * holding a copy of the prompt's rows, and take places as they free up, before any new request is staged; so
 * the batch never exceeds `maxBatchSize`, and the forks always get in (running sequences always end).
 */
export class BatchScheduler {
  private readonly waiting: Sequence[] = [];
  private readonly active: Sequence[] = [];
  private readonly cache: KeyValueCache;
  /** The cache of the prompts being prefilled, chunk by chunk, before they join the batch: `staged[i]` in slot i. */
  private readonly stagingCache: KeyValueCache;
  private staged: Sequence[] = [];
  /** Submissions whose prompt is prefilled and whose forks wait for places in the batch, oldest first. */
  private forking: Submission[] = [];
  private running = false;
  private prefilled = 0;

  /** Sequences in the running batch, and requests (or forks of n choices) waiting for a place in it. */
  get load(): { running: number; waiting: number } {
    const forks = this.forking.reduce((sum, submission) => sum + submission.forks.length, 0);
    return { running: this.active.length, waiting: this.waiting.length + this.staged.length + forks };
  }

  /** Prompt tokens run through prefill steps so far (a prompt shared by n choices counts once). */
  get prefilledTokens(): number {
    return this.prefilled;
  }

  constructor(private readonly options: BatchSchedulerOptions) {
    this.cache = this.createCache();
    this.stagingCache = this.createCache();
  }

  private createCache(): KeyValueCache {
    const { shape, cachePrecision } = this.options;
    return new KeyValueCache(
      shape.layerCount,
      shape.keyValueHeadCount,
      shape.headSize,
      shape.maxPositions,
      cachePrecision,
    );
  }

  /** Queues a request; its events arrive on the returned stream. Ending the iteration early cancels it. */
  submit(request: ScheduledRequest): AsyncGenerator<GenerationEvent> {
    return this.enqueue(request, 1, false) as AsyncGenerator<GenerationEvent>;
  }

  /**
   * Queues a request for `n` choices, choice i sampled with seed `(seed ?? 0) + i`: one stream of all their
   * events, each tagged with its choice's `index`, closed once every choice has ended.
   */
  submitChoices(request: ScheduledRequest, n: number): AsyncGenerator<ChoiceEvent> {
    return this.enqueue(request, n, true) as AsyncGenerator<ChoiceEvent>;
  }

  private async *enqueue(
    request: ScheduledRequest,
    n: number,
    tagged: boolean,
  ): AsyncGenerator<GenerationEvent | ChoiceEvent> {
    const signal = request.options.signal;
    const submission: Submission = { channel: new AsyncChannel(), open: n, cancelled: false, signal, forks: [] };
    const keepSpecial = request.options.keepSpecialTokens === true;
    const seed = request.options.seed ?? 0;
    const [first, ...forks] = Array.from(
      { length: n },
      (_, index): Sequence => ({
        request,
        submission,
        index: tagged ? index : undefined,
        tokenIds: [...request.promptIds],
        generated: 0,
        pastLength: 0,
        random: createRandom(seed + index),
        textDecoder: this.options.tokenizer?.createStreamingDecoder({ skipSpecialTokens: !keepSpecial }),
        matcher: new StopStringMatcher(request.stopStrings),
        needsLogits: needsLogits(request.options),
      }),
    );
    submission.forks = forks;
    this.waiting.push(first as Sequence);
    // A request still queued behind a full batch (or forks waiting for places) leaves as soon as it is aborted.
    const onAbort = (): void => {
      if (this.unqueue(submission)) submission.channel.fail(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (!this.running) void this.loop();
    try {
      yield* submission.channel.drain();
    } finally {
      submission.cancelled = true;
      this.unqueue(submission);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Takes a submission's sequences out of the queues they wait in (not out of the batch); whether any was there. */
  private unqueue(submission: Submission): boolean {
    const index = this.waiting.findIndex((sequence) => sequence.submission === submission);
    if (index >= 0) this.waiting.splice(index, 1);
    const forking = this.forking.indexOf(submission);
    if (forking >= 0) this.forking.splice(forking, 1);
    return index >= 0 || forking >= 0;
  }

  private emit(sequence: Sequence, event: GenerationEvent): void {
    sequence.submission.channel.push(sequence.index === undefined ? event : { ...event, index: sequence.index });
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
    this.emit(sequence, {
      type: 'generation-end',
      finishReason: reason,
      text,
      promptTokenCount: sequence.request.promptIds.length,
      completionTokenCount: sequence.generated,
    });
    sequence.submission.open -= 1;
    if (sequence.submission.open === 0) sequence.submission.channel.close();
    this.remove(sequence);
  }

  /** Picks the next token (sampled from the logits when the request needs them, else the graph's argmax) and emits it. */
  private accept(sequence: Sequence, logits: Float32Array | undefined, nextToken: number): void {
    const { options } = sequence.request;
    const { submission } = sequence;
    if (submission.cancelled) return this.remove(sequence);
    if (submission.signal?.aborted) {
      submission.channel.fail(submission.signal.reason);
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
        this.emit(sequence, { type: 'token-delta', tokenId: token, text, ...probabilities });
        return this.finish(sequence, 'stop', true);
      }
    }
    this.emit(sequence, { type: 'token-delta', tokenId: token, text, ...probabilities });
    if (
      sequence.generated >= sequence.request.maxNewTokens ||
      sequence.tokenIds.length >= this.options.shape.maxPositions
    )
      this.finish(sequence, 'length', false);
  }

  /** {@link accept}, where a throwing logits processor fails its own request only, not the batch it runs in. */
  private acceptOrFail(sequence: Sequence, logits: Float32Array | undefined, nextToken: number): void {
    try {
      this.accept(sequence, logits, nextToken);
    } catch (error) {
      this.failAll([sequence], error);
    }
  }

  private failAll(sequences: Sequence[], error: unknown): void {
    for (const sequence of sequences) {
      sequence.submission.channel.fail(error);
      this.remove(sequence);
    }
  }

  /** Whether a queued sequence's consumer has gone or its signal fired (failing its stream then). */
  private dropped(submission: Submission): boolean {
    if (submission.cancelled) return true;
    if (!submission.signal?.aborted) return false;
    submission.channel.fail(submission.signal.reason);
    return true;
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

  /** Moves waiting forks into the batch while it has places (staged prompts keep theirs), oldest submission first. */
  private admitForks(): void {
    while (this.forking.length > 0 && this.active.length + this.staged.length < this.options.maxBatchSize) {
      const submission = this.forking[0] as Submission;
      const prefix = submission.prefix as ForkPrefix;
      if (this.dropped(submission)) submission.forks = [];
      const fork = submission.forks.shift();
      if (submission.forks.length === 0) {
        this.forking.shift();
        submission.prefix = undefined;
      }
      if (!fork) continue;
      fork.pastLength = prefix.length;
      this.cache.copySequence(prefix.cache, 0, this.active.length, prefix.length);
      this.active.push(fork);
      // Sampling, logits processors and the repetition penalty write into the logits: each fork gets a copy.
      this.acceptOrFail(fork, prefix.logits?.slice(), prefix.nextToken);
    }
  }

  /**
   * Runs one chunk of every staged prompt (first staging waiting requests while the batch and the step's
   * token budget have room, and no forks wait for places): a step's rows share their token count, so the
   * chunk is as long as the shortest remaining prompt allows.
   * A finished prompt moves into the batch's cache and joins the decode steps; so do its forks, as places allow.
   */
  private async prefillChunk(): Promise<void> {
    this.admitForks();
    // Short prompts share a step up to prefillChunkSize tokens in all: that bounds a step's activations and the
    // staging cache, and long prompts (a compute-bound prefill either way) go one at a time, in chunks.
    let stagedTokens = this.staged.reduce((sum, sequence) => sum + sequence.request.promptIds.length, 0);
    while (this.forking.length === 0 && this.staged.length + this.active.length < this.options.maxBatchSize) {
      const next = this.waiting[0];
      if (
        !next ||
        (this.staged.length > 0 && stagedTokens + next.request.promptIds.length > this.options.prefillChunkSize)
      )
        break;
      this.waiting.shift();
      if (this.dropped(next.submission)) continue;
      this.staged.push(next);
      stagedTokens += next.request.promptIds.length;
    }
    this.keepStaged((sequence) => !this.dropped(sequence.submission));
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
      this.prefilled += rows.length * length;
      const joining: [Sequence, number][] = [];
      this.staged.forEach((sequence, index) => {
        sequence.pastLength += length;
        if (!finishing[index]) return;
        this.cache.copySequence(this.stagingCache, index, this.active.length, sequence.pastLength);
        this.active.push(sequence);
        joining.push([sequence, index]);
        const { submission } = sequence;
        if (submission.forks.length === 0) return;
        const cache = this.createCache();
        cache.copySequence(this.stagingCache, index, 0, sequence.pastLength);
        submission.prefix = {
          cache,
          length: sequence.pastLength,
          logits: sequence.needsLogits ? step.logits[index]?.slice() : undefined,
          nextToken: step.nextTokens[index] as number,
        };
        this.forking.push(submission);
      });
      this.keepStaged((_, index) => !finishing[index]);
      for (const [sequence, index] of joining)
        this.acceptOrFail(
          sequence,
          sequence.needsLogits ? step.logits[index] : undefined,
          step.nextTokens[index] as number,
        );
      this.admitForks();
    } catch (error) {
      for (const sequence of this.staged) sequence.submission.channel.fail(error);
      this.staged = [];
    }
  }

  private async loop(): Promise<void> {
    this.running = true;
    const { decoder, maxBatchSize } = this.options;
    try {
      while (this.waiting.length > 0 || this.active.length > 0 || this.staged.length > 0 || this.forking.length > 0) {
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
            this.acceptOrFail(
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
