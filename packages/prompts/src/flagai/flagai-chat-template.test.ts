import { describe, expect, it } from 'vitest';
import { ChatTemplateRenderError } from '../errors.js';
import { flagaiChatTemplate } from './flagai-chat-template.js';
import { flagaiStopRules } from './flagai-stop-rules.js';
import { flagaiSystemPrompt } from './flagai-system-prompt.js';

describe("FlagAI's Aquila chat format as a chat template", () => {
  it('renders Human and Assistant turns after the fixed system prompt, Assistant: as the generation prompt', () => {
    const messages = [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
    ];
    expect(flagaiChatTemplate.render(messages, { addGenerationPrompt: true })).toBe(
      `${flagaiSystemPrompt}###Human: q1###Assistant: a1###Human: q2###Assistant:`,
    );
    expect(flagaiChatTemplate.render(messages)).toBe(
      `${flagaiSystemPrompt}###Human: q1###Assistant: a1###Human: q2###`,
    );
    expect(flagaiChatTemplate.specialTokensInText).toBe(false);
    expect(flagaiChatTemplate.stopRules).toBe(flagaiStopRules);
  });

  it('puts system and developer text in front of the next user message', () => {
    expect(
      flagaiChatTemplate.render(
        [
          { role: 'system', content: 'Answer in SQL.' },
          { role: 'developer', content: 'SQLite.' },
          { role: 'user', content: 'How many?' },
        ],
        { addGenerationPrompt: true },
      ),
    ).toBe(`${flagaiSystemPrompt}###Human: Answer in SQL.\nSQLite.\n\nHow many?###Assistant:`);
  });

  it('refuses roles it has no place for, naming the format', () => {
    expect(() => flagaiChatTemplate.render([{ role: 'tool', content: '[[6]]' }])).toThrow(ChatTemplateRenderError);
    expect(() =>
      flagaiChatTemplate.render([
        { role: 'user', content: 'q' },
        { role: 'system', content: 'late' },
      ]),
    ).toThrow("FlagAI's Aquila chat format: system text goes in front of the next user message");
  });
});
