import { createCharacterTokenizer } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { MissingSpecialTokenError } from '../errors.js';
import { flagaiSystemPrompt } from './flagai-system-prompt.js';
import { tokenizeAquilaConversation } from './tokenize-aquila-conversation.js';

// Ids 0 and 1 are the character tokenizer's `<s>` and `</s>`: they stand for `[CLS]` and `</s>` here.
const characters = createCharacterTokenizer([...new Set(`${flagaiSystemPrompt}#:\nHumanAssistSystemqa?`)]);
const tokenizer = { ...characters, bosTokenId: 0, eosTokenId: 1 };
const text = (ids: number[]) => characters.decode(ids);

describe('tokenizeAquilaConversation', () => {
  it('frames the header and turns as FlagAI does, with loss on the header, the answers and </s> only', () => {
    const { ids, lossMask } = tokenizeAquilaConversation({
      tokenizer,
      conversations: [
        { from: 'human', value: 'q?' },
        { from: 'gpt', value: 'a' },
      ],
    });
    expect(ids[0]).toBe(0);
    expect(ids.at(-1)).toBe(1);
    expect(text(ids.slice(1, -1))).toBe(`${flagaiSystemPrompt}\n\n### Human: q?\n### Assistant: a\n`);
    const header = 1 + `${flagaiSystemPrompt}\n\n`.length;
    const human = '### Human: q?\n'.length;
    const assistant = '### Assistant: a\n'.length;
    expect(lossMask).toEqual([...Array(header).fill(1), ...Array(human).fill(0), ...Array(assistant).fill(1), 1]);
  });

  it('adds the instruction as a system line and truncates ids and mask together', () => {
    const { ids, lossMask } = tokenizeAquilaConversation({
      tokenizer,
      conversations: [{ from: 'human', value: 'q?' }],
      instruction: 'a',
      maxLength: 10,
    });
    expect(ids).toHaveLength(10);
    expect(lossMask).toHaveLength(10);
    const full = tokenizeAquilaConversation({
      tokenizer,
      conversations: [{ from: 'human', value: 'q?' }],
      instruction: 'a',
    });
    expect(text(full.ids.slice(1, -1))).toBe(`${flagaiSystemPrompt}\n\n### System: a\n### Human: q?\n`);
  });

  it('refuses a tokenizer without BOS or EOS with a typed error', () => {
    for (const missing of [{ bosTokenId: undefined }, { eosTokenId: undefined }])
      expect(() => tokenizeAquilaConversation({ tokenizer: { ...tokenizer, ...missing }, conversations: [] })).toThrow(
        MissingSpecialTokenError,
      );
  });
});
