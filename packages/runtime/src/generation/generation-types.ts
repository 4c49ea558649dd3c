import type { LogitsProcessor, SamplingOptions } from './sample-token.js';

/** What generation needs of a tokenizer: the `@aquila/tokenizer` API, structurally. */
export interface GenerationTokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean; parseSpecialTokens?: boolean }): number[];
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string;
  createStreamingDecoder(options?: { skipSpecialTokens?: boolean }): { push(id: number): string; flush(): string };
  /** The ids a text prompt starts with (Llama-2, Mistral: BOS; none for Aquila or Qwen); default none. */
  readonly promptStartIds?: readonly number[];
}

export interface GenerationOptions extends SamplingOptions {
  /** The most tokens to generate; also bounded by the context. Default from the model's config. */
  maxNewTokens?: number;
  /** Seed of the sampling PRNG: the same seed, prompt and options give the same tokens. Default 0. */
  seed?: number;
  /** Token ids that end generation (not part of the output). Default: the model's EOS. */
  stopTokenIds?: readonly number[];
  /** Strings that end generation (cut from the output; partial matches are held back while streaming). */
  stopStrings?: readonly string[];
  /** Run on every step's logits, in order, before sampling. */
  logitsProcessors?: readonly LogitsProcessor[];
  /** Report each token's log probability (`logprob` on `token-delta`); default false (it costs a pass over the vocabulary). */
  logprobs?: boolean;
  /** Also report this many most likely alternatives (with log probabilities) on each token; default 0. Implies `logprobs`. */
  topLogprobs?: number;
  /** Keep special tokens' text (e.g. `</s>`) in the output; default false. */
  keepSpecialTokens?: boolean;
  signal?: AbortSignal;
}

export interface GenerationRequest extends GenerationOptions {
  /** Text, tokenized without special tokens (needs a tokenizer). */
  prompt?: string;
  /** Token ids, used as they are (takes precedence over `prompt`). */
  promptIds?: readonly number[];
}

/** A request for `n` choices of one prompt. */
export interface ChoicesRequest extends GenerationRequest {
  /**
   * How many choices (1…64): the prompt is prefilled once and its cache shared; choice i is sampled with seed
   * `(seed ?? 0) + i`, so it equals `generate({ ...request, seed: seed + i })` token for token.
   */
  n: number;
}

export type FinishReason = 'stop' | 'length';

/** One generated token and the text it made final (empty while text is held back). */
export interface TokenDeltaEvent {
  type: 'token-delta';
  tokenId: number;
  text: string;
  /**
   * The token's log probability under the model: log-softmax of the logits after the logits processors
   * and the repetition penalty, before temperature and the top-k/top-p filters (as OpenAI's `logprobs`).
   * Only when `logprobs` or `topLogprobs` is asked for.
   */
  logprob?: number;
  /** The `topLogprobs` most likely tokens of this step, most likely first (only when asked for). */
  topLogprobs?: { tokenId: number; logprob: number }[];
}

export interface GenerationEndEvent {
  type: 'generation-end';
  finishReason: FinishReason;
  /** Any text still held back, emitted at the end. */
  text: string;
  promptTokenCount: number;
  completionTokenCount: number;
}

export type GenerationEvent = TokenDeltaEvent | GenerationEndEvent;

/** An event of one of the n choices: `index` 0…n−1; each choice ends with its own `generation-end`. */
export type ChoiceEvent = GenerationEvent & { index: number };

export interface GenerationResult {
  /** The generated text (without the stop string or stop token). */
  text: string;
  /** The generated token ids (without a stop token id). */
  tokenIds: number[];
  finishReason: FinishReason;
  promptTokenCount: number;
}
