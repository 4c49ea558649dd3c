import type { ChatTemplate } from '../chat-template/chat-template.js';
import { ChatTemplateRenderError } from '../errors.js';
import { flagaiStopRules } from './flagai-stop-rules.js';
import { flagaiSystemPrompt } from './flagai-system-prompt.js';

const source = "FlagAI's Aquila chat format";
const speakers: Readonly<Record<string, string>> = { user: 'Human', assistant: 'Assistant' };

function refuse(reason: string): never {
  throw new ChatTemplateRenderError(`${source}: ${reason}`, { reason });
}

/**
 * FlagAI's Aquila chat format (`cyg_conversation.py`) as a {@link ChatTemplate}: its fixed system prompt, then
 * `Human: …###` and `Assistant: …###` turns, and `Assistant:` as the generation prompt. The format has no
 * system turn: system and developer text goes in front of the next user message, a blank line between.
 * Plain text (no special tokens, no BOS); FlagAI's stop rules end the answer at `###`.
 */
export const flagaiChatTemplate: ChatTemplate = {
  source,
  specialTokensInText: false,
  stopRules: flagaiStopRules,
  render(messages, options = {}) {
    let prompt = `${flagaiSystemPrompt}###`;
    let pending: string[] = [];
    for (const { role, content } of messages) {
      if (role === 'system' || role === 'developer') {
        pending.push(content);
        continue;
      }
      const speaker = speakers[role];
      if (speaker === undefined)
        refuse(
          `it has user, assistant and system messages, not ${JSON.stringify(role)}; send the text as one of those.`,
        );
      const text = role === 'user' && pending.length > 0 ? `${pending.join('\n')}\n\n${content}` : content;
      if (role === 'user') pending = [];
      prompt += `${speaker}: ${text}###`;
    }
    if (pending.length > 0)
      refuse(
        `system text goes in front of the next user message, and none follows the last one; end with the user's message.`,
      );
    return options.addGenerationPrompt ? `${prompt}Assistant:` : prompt;
  },
};
