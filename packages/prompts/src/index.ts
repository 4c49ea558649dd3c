// The AquilaSQL prompt: FlagAI's Spider/CSpider and WikiSQL templates
export type {
  AquilaSqlPromptColumn,
  AquilaSqlPromptOptions,
  AquilaSqlPromptTable,
} from './aquila-sql/build-aquila-sql-prompt.js';
export { buildAquilaSqlAnswer, buildAquilaSqlPrompt } from './aquila-sql/build-aquila-sql-prompt.js';
// Errors
export { MissingSpecialTokenError } from './errors.js';
// FlagAI's conventions for Aquila: special ids, SFT template, inference and chat prompts, stop rules, sampling
export { aquilaSpecialTokenIds } from './flagai/aquila-special-token-ids.js';
export type { FlagaiChatPromptOptions, FlagaiHistoryItem, FlagaiPromptOptions } from './flagai/flagai-presets.js';
export { flagaiChatPromptIds, flagaiPromptIds, flagaiSampling, flagaiStopRules } from './flagai/flagai-presets.js';
export type { FlagAiSftRecord } from './flagai/flagai-sft-record.js';
export { flagaiSystemPrompt } from './flagai/flagai-system-prompt.js';
export type {
  ConversationTokenizer,
  TokenizeAquilaConversationOptions,
} from './flagai/tokenize-aquila-conversation.js';
export { tokenizeAquilaConversation } from './flagai/tokenize-aquila-conversation.js';
export type { PromptTokenizer } from './prompt-tokenizer.js';
// Tables and foreign keys read from CREATE TABLE statements
export type { SchemaTable } from './schema/parse-create-tables.js';
export { parseCreateTables } from './schema/parse-create-tables.js';
