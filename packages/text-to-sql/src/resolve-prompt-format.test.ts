import { chatTemplateFromTokenizerConfig, flagaiChatTemplate } from '@aquila/prompts';
import type { GenerationEvent } from '@aquila/runtime';
import { describe, expect, it } from 'vitest';
import { TextToSqlOptionsError } from './errors.js';
import { sqlGenerationPresets, sqlGenerationRequest } from './generation-settings.js';
import { resolvePromptFormat } from './resolve-prompt-format.js';

const chatTemplate = chatTemplateFromTokenizerConfig({
  config: { chat_template: '{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}<assistant>' },
  source: 'inline',
});
const settings = sqlGenerationPresets.greedy;
// Never asked to generate here.
async function* stream(): AsyncGenerator<GenerationEvent> {}

describe('resolvePromptFormat', () => {
  it('gives a chat model its template and the chat format, sent as text as it is', () => {
    const resolved = resolvePromptFormat({ model: { stream, chatTemplate }, settings });
    expect(resolved.chatTemplate).toBe(chatTemplate);
    expect(resolved.settings).toEqual({ ...settings, promptFormat: 'chat' });
    expect(sqlGenerationRequest({ prompt: '<user>q\n\nr', settings: resolved.settings, tokenizer: undefined })).toEqual(
      {
        ...Object.fromEntries(Object.entries(settings).filter(([key]) => key !== 'promptFormat')),
        prompt: '<user>q\n\nr',
      },
    );
  });

  it("keeps FlagAI's path for Aquila models and endpoints, and the plain prompt when asked", () => {
    for (const model of [{ stream, chatTemplate: flagaiChatTemplate }, { stream }])
      expect(resolvePromptFormat({ model, settings })).toEqual({ settings });
    const plain = { ...settings, promptFormat: 'plain' as const };
    expect(resolvePromptFormat({ model: { stream, chatTemplate }, settings: plain })).toEqual({
      settings: plain,
    });
  });

  it('refuses the chat format for a model without its own template', () => {
    expect(() => resolvePromptFormat({ model: { stream }, settings: { ...settings, promptFormat: 'chat' } })).toThrow(
      TextToSqlOptionsError,
    );
  });
});
