import { createCharacterTokenizer } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { flagaiChatPromptIds, flagaiPromptIds } from './flagai-presets.js';
import { flagaiSystemPrompt } from './flagai-system-prompt.js';

const tokenizer = createCharacterTokenizer([...new Set(`${flagaiSystemPrompt}#:\nHumanAssistqrwby?0123456789`)]);
const text = (ids: number[]) => tokenizer.decode(ids, { skipSpecialTokens: false });

describe('FlagAI prompt presets', () => {
  it('builds the default path: BOS, newline runs collapsed', () => {
    const ids = flagaiPromptIds({ text: 'a\n\n\nb\nc', tokenizer });
    expect(ids[0]).toBe(100006);
    expect(text(ids.slice(1))).toBe('a\nb\nc');
  });

  it('builds the chat template, newest history first while under maxTokens', () => {
    expect(text(flagaiChatPromptIds({ text: 'how many?', tokenizer }))).toBe(
      `${flagaiSystemPrompt}###Human: how many?###Assistant:`,
    );
    const history = [
      ['Human', 'q1'],
      ['ASSISTANT', 'a1'],
    ] as const;
    expect(text(flagaiChatPromptIds({ text: 'q2', tokenizer, history, maxTokens: 2048 }))).toBe(
      `${flagaiSystemPrompt}###Human: q1###Assistant: a1###Human: q2###Assistant:`,
    );
    const short = flagaiChatPromptIds({ text: 'q2', tokenizer, history, maxTokens: flagaiSystemPrompt.length + 30 });
    expect(text(short)).toBe(`${flagaiSystemPrompt}###Human: q2###Assistant:`);
  });

  it('reproduces FlagAI dropping the question when the prompt alone reaches maxTokens', () => {
    expect(text(flagaiChatPromptIds({ text: 'how many?', tokenizer, maxTokens: 10 }))).toBe(
      `${flagaiSystemPrompt}###Assistant:`,
    );
  });
});
