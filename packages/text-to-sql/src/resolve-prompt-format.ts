import { type ChatTemplate, flagaiChatTemplate } from '@aquila/prompts';
import { TextToSqlOptionsError } from './errors.js';
import type { SqlGenerationSettings } from './generation-settings.js';
import type { TextToSqlModel } from './text-to-sql-model.js';

export interface ResolvePromptFormatOptions {
  model: TextToSqlModel;
  settings: SqlGenerationSettings;
}

/**
 * How a model gets its text-to-SQL prompts. A chat model (one with its own chat template, kept from the
 * checkpoint's `tokenizer_config.json`) gets each prompt as the user's message rendered through that template:
 * the settings say `chat`, and `chatTemplate` goes to {@link buildSqlPrompt}. Aquila models keep FlagAI's path
 * (AquilaSQL is prompted without its chat format), and `plain` settings keep the prompt as it is.
 */
export function resolvePromptFormat(options: ResolvePromptFormatOptions): {
  settings: SqlGenerationSettings;
  chatTemplate?: ChatTemplate;
} {
  const { settings } = options;
  const own = options.model.chatTemplate === flagaiChatTemplate ? undefined : options.model.chatTemplate;
  if (settings.promptFormat === 'plain') return { settings };
  if (own !== undefined) return { settings: { ...settings, promptFormat: 'chat' }, chatTemplate: own };
  if (settings.promptFormat === 'chat')
    throw new TextToSqlOptionsError(
      'promptFormat "chat" needs a model with its own chat template (tokenizer_config.json\'s chat_template in its folder); use "flagai" or "plain".',
    );
  return { settings };
}
