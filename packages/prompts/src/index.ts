// The AquilaSQL prompt: FlagAI's Spider/CSpider and WikiSQL templates
export type {
  AquilaSqlPromptColumn,
  AquilaSqlPromptOptions,
  AquilaSqlPromptTable,
} from './aquila-sql/build-aquila-sql-prompt.js';
export { buildAquilaSqlAnswer, buildAquilaSqlPrompt } from './aquila-sql/build-aquila-sql-prompt.js';
// Chat templates: a model's own (tokenizer_config.json, rendered as HF transformers does) or FlagAI's Aquila format
export type {
  ChatMessage,
  ChatStopRules,
  ChatTemplate,
  ChatTemplateRenderOptions,
} from './chat-template/chat-template.js';
export type { ChatTemplateFromTokenizerConfigOptions } from './chat-template/chat-template-from-tokenizer-config.js';
export { chatTemplateFromTokenizerConfig } from './chat-template/chat-template-from-tokenizer-config.js';
export type { ReadChatTemplateOptions } from './chat-template/read-chat-template.js';
export { readChatTemplate } from './chat-template/read-chat-template.js';
// Errors
export { ChatTemplateParseError, ChatTemplateRenderError, MissingSpecialTokenError } from './errors.js';
// FlagAI's conventions for Aquila: special ids, SFT template, inference and chat prompts, stop rules, sampling
export { aquilaSpecialTokenIds } from './flagai/aquila-special-token-ids.js';
export { flagaiChatTemplate } from './flagai/flagai-chat-template.js';
export type { FlagaiChatPromptOptions, FlagaiHistoryItem, FlagaiPromptOptions } from './flagai/flagai-presets.js';
export { flagaiChatPromptIds, flagaiPromptIds, flagaiSampling } from './flagai/flagai-presets.js';
export type { FlagAiSftRecord } from './flagai/flagai-sft-record.js';
export { flagaiStopRules } from './flagai/flagai-stop-rules.js';
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
