import type { GenerationEvent, GenerationRequest, GenerationTokenizer } from '@aquila/runtime';

/**
 * What text-to-SQL needs of a model: @aquila/runtime's `LanguageModel`, structurally, so an HTTP client
 * ({@link createOpenAiModel}) serves as well. `stream` yields `token-delta` events, then one `generation-end`.
 */
export interface TextToSqlModel {
  stream(request: GenerationRequest): AsyncIterable<GenerationEvent>;
  /** The model's tokenizer, when prompts can be sent as ids. */
  readonly tokenizer?: GenerationTokenizer | undefined;
}
