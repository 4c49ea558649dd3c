import type { ChatTemplate } from '@aquila/prompts';
import type { GenerationEvent, GenerationTokenizer } from '@aquila/runtime';
import type { SqlGenerationRequest } from './generation-settings.js';

/**
 * What text-to-SQL needs of a model: @aquila/runtime's `LanguageModel`, structurally, so an HTTP client
 * ({@link createOpenAiModel}) serves as well. `stream` yields `token-delta` events, then one `generation-end`.
 */
export interface TextToSqlModel {
  stream(request: SqlGenerationRequest): AsyncIterable<GenerationEvent>;
  /** The model's tokenizer, when prompts can be sent as ids. */
  readonly tokenizer?: GenerationTokenizer | undefined;
  /** The model's chat template (a local model's, from its folder): a chat model gets its prompts through it. */
  readonly chatTemplate?: ChatTemplate | undefined;
}
