import { MissingSpecialTokenError } from '../errors.js';
import { flagaiSystemPrompt } from './flagai-system-prompt.js';

/** The part of a tokenizer that SFT tokenization needs (`@aquila/tokenizer`'s `Tokenizer` fits). */
export interface ConversationTokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
}

function framingId(id: number | undefined, name: string): number[] {
  if (id === undefined)
    throw new MissingSpecialTokenError(
      `The tokenizer has no ${name} id; FlagAI's SFT format needs [CLS] and </s>: use Aquila's tokenizer, or one that names both.`,
    );
  return [id];
}

export interface TokenizeAquilaConversationOptions {
  tokenizer: ConversationTokenizer;
  conversations: readonly { from: string; value: string }[];
  instruction?: string;
  /** Truncate ids and mask to this length (FlagAI: 2048; FlagScale: seq_length + 1). */
  maxLength?: number;
}

/**
 * Tokenises an SFT example exactly as FlagAI's `ConversationDatasetV2.__getitem__`: each segment separately,
 * `[CLS]` + header, `### Human: …\n` / `### Assistant: …\n` turns, `</s>` at the end. The loss mask is 1 where
 * FlagAI keeps the label (header, gpt turns, the final `</s>`) and 0 on human turns: FlagScale's loss-mask file.
 */
export function tokenizeAquilaConversation(options: TokenizeAquilaConversationOptions): {
  ids: number[];
  lossMask: number[];
} {
  const { tokenizer } = options;
  const ids = [...framingId(tokenizer.bosTokenId, 'BOS'), ...tokenizer.encode(`${flagaiSystemPrompt}\n\n`)];
  if (options.instruction) ids.push(...tokenizer.encode(`### System: ${options.instruction}\n`));
  const lossMask = ids.map(() => 1);
  for (const turn of options.conversations) {
    const role = turn.from === 'human' ? 'Human' : turn.from === 'gpt' ? 'Assistant' : 'unknown';
    const turnIds = tokenizer.encode(`### ${role}: ${turn.value}\n`);
    ids.push(...turnIds);
    for (let index = 0; index < turnIds.length; index++) lossMask.push(turn.from === 'gpt' ? 1 : 0);
  }
  ids.push(...framingId(tokenizer.eosTokenId, 'EOS'));
  lossMask.push(1);
  if (options.maxLength !== undefined && ids.length > options.maxLength)
    return { ids: ids.slice(0, options.maxLength), lossMask: lossMask.slice(0, options.maxLength) };
  return { ids, lossMask };
}
