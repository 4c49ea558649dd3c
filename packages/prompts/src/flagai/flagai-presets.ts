import type { ChatMessage } from '../chat-template/chat-template.js';
import type { PromptTokenizer } from '../prompt-tokenizer.js';
import { aquilaSpecialTokenIds } from './aquila-special-token-ids.js';
import { flagaiChatTemplate } from './flagai-chat-template.js';

// Named as @aquila/runtime's generation options, so the presets spread into a generation request.
interface SamplingDefaults {
  temperature: number;
  topK: number;
  topP: number;
  maxNewTokens: number;
  seed: number;
}

/** The sampling defaults of FlagAI's `predict()` (server_local, s2, server_web `/func`). */
export const flagaiSampling = {
  temperature: 0.9,
  topK: 1000,
  topP: 0.95,
  maxNewTokens: 256,
  seed: 1234,
} as const satisfies SamplingDefaults;

export interface FlagaiPromptOptions {
  text: string;
  tokenizer: PromptTokenizer;
  /** Aquila's BOS (`[CLS]`), 100006. */
  bosTokenId?: number;
}

/** FlagAI's default inference path (`sft=False`): BOS, then the text with runs of newlines collapsed to one. */
export function flagaiPromptIds(options: FlagaiPromptOptions): number[] {
  return [
    options.bosTokenId ?? aquilaSpecialTokenIds.bos,
    ...options.tokenizer.encode(options.text.replace(/\n+/g, '\n')),
  ];
}

/** One earlier turn: FlagAI's history items are `[role, text]`, role `ASSISTANT` or anything else for the human. */
export type FlagaiHistoryItem = readonly [role: string, text: string];

export interface FlagaiChatPromptOptions {
  text: string;
  tokenizer: PromptTokenizer;
  /** Earlier turns, oldest first. */
  history?: readonly FlagaiHistoryItem[];
  /** FlagAI's `max_token` (it passes `max_new_tokens`, default 256): history is added while the prompt is shorter. */
  maxTokens?: number;
}

/**
 * FlagAI's chat template (`covert_prompt_to_input_ids_with_history`): `SYSTEM###Human: …###Assistant:`,
 * no BOS, history added newest first while the prompt is under `maxTokens`. Reproduces its quirk: when
 * the prompt reaches `maxTokens`, the last message added is dropped, which without history is the question.
 */
export function flagaiChatPromptIds(options: FlagaiChatPromptOptions): number[] {
  const { tokenizer, maxTokens = 256 } = options;
  const history = [...(options.history ?? [])];
  // Newest first; the generation prompt `Assistant:` is never dropped.
  const messages: ChatMessage[] = [{ role: 'user', content: options.text }];
  const encode = (): number[] =>
    tokenizer.encode(flagaiChatTemplate.render([...messages].reverse(), { addGenerationPrompt: true }));
  let ids = encode();
  while (history.length > 0 && ids.length < maxTokens) {
    const [role, text] = history.pop() as FlagaiHistoryItem;
    messages.push({ role: role === 'ASSISTANT' ? 'assistant' : 'user', content: text });
    ids = encode();
  }
  if (ids.length >= maxTokens) {
    messages.pop();
    ids = encode();
  }
  return ids;
}
