import type { ChatTemplate } from '@aquila/prompts';
import type { GenerationEvent, GenerationTokenizer } from '@aquila/runtime';
import type { SqlGenerationRequest } from './generation-settings.js';

/** A request for `n` samples of one prompt: sample i is drawn with seed `(seed ?? 0) + i`. */
export interface SqlChoicesRequest extends SqlGenerationRequest {
  /** Samples wanted, 1…64. */
  n: number;
}

/** A generation event of one sample (`index` 0…n-1) of a {@link SqlChoicesRequest}. */
export type SqlChoiceEvent = GenerationEvent & { index: number };

/** Tokens of one generation, or of several together. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/**
 * What text-to-SQL needs of a model: @aquila/runtime's `LanguageModel`, structurally, so an HTTP client
 * ({@link createOpenAiModel}) serves as well. `stream` yields `token-delta` events, then one `generation-end`.
 */
export interface TextToSqlModel {
  stream(request: SqlGenerationRequest): AsyncIterable<GenerationEvent>;
  /**
   * The `n` samples of one prompt together (the local runtime shares one prompt prefill; an endpoint gets `n` in
   * one request): each sample's events carry its `index`, and sample i equals `stream({ ...request, seed: seed + i })`.
   * A model without it gets n streams with those seeds ({@link streamSqlCandidates}).
   */
  streamChoices?(request: SqlChoicesRequest): AsyncIterable<SqlChoiceEvent>;
  /** The model's tokenizer, when prompts can be sent as ids. */
  readonly tokenizer?: GenerationTokenizer | undefined;
  /** The model's chat template (a local model's, from its folder): a chat model gets its prompts through it. */
  readonly chatTemplate?: ChatTemplate | undefined;
}
