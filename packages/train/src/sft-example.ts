import { type ConversationTokenizer, tokenizeAquilaConversation } from '@aquila/prompts';
import { SftRecordError } from './errors.js';

/** FlagAI's label for tokens that carry no loss (`IGNORE_INDEX`). */
export const ignoreIndex = -100;

/** FlagAI's SFT record: `{conversations: [{from: 'human' | 'gpt', value}], instruction?}`. */
export interface SftRecord {
  id?: string;
  conversations: Array<{ from: string; value: string }>;
  instruction?: string;
}

/** One tokenised SFT example: ids and unshifted labels (the model shifts), -100 where no loss is taken. */
export interface SftExample {
  inputIds: Int32Array;
  labels: Int32Array;
}

/** Options of `createSftExample`. */
export interface CreateSftExampleOptions {
  /** Aquila's tokenizer (`loadAquilaTokenizer()` from @aquila/tokenizer). */
  tokenizer: ConversationTokenizer;
  /** The record; anything else is rejected with SftRecordError. */
  record: unknown;
  /** Truncation length; FlagAI's `max_seq_len` is 2048. */
  maxLength?: number;
  /** Where the record came from, for error messages (`file.jsonl:12`). */
  source?: string;
}

function checkRecord(record: unknown, where: string): SftRecord {
  const fail = (what: string): never => {
    throw new SftRecordError(
      `${where}: ${what}; expected FlagAI's {"conversations": [{"from": "human", "value": …}, {"from": "gpt", "value": …}], "instruction": ""}`,
    );
  };
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return fail('not a JSON object');
  const { conversations, instruction } = record as { conversations?: unknown; instruction?: unknown };
  if (!Array.isArray(conversations) || conversations.length === 0) return fail('"conversations" is missing or empty');
  conversations.forEach((turn: unknown, index) => {
    const { from, value } = (turn ?? {}) as { from?: unknown; value?: unknown };
    if (typeof from !== 'string' || typeof value !== 'string')
      fail(`conversations[${index}] needs string "from" and "value"`);
  });
  if (instruction !== undefined && instruction !== null && typeof instruction !== 'string')
    fail('"instruction" must be a string');
  return record as SftRecord;
}

/**
 * FlagAI's `ConversationDatasetV2.__getitem__`: the conversation tokenised segment by segment (through
 * @aquila/prompts' `tokenizeAquilaConversation`), labels equal to the ids on the system header, the
 * assistant turns and the final `</s>`, and -100 on human turns; truncated to `maxLength`.
 */
export function createSftExample(options: CreateSftExampleOptions): SftExample {
  const record = checkRecord(options.record, options.source ?? 'SFT record');
  const instruction = typeof record.instruction === 'string' ? record.instruction : '';
  const { ids, lossMask } = tokenizeAquilaConversation({
    tokenizer: options.tokenizer,
    conversations: record.conversations,
    instruction,
    maxLength: options.maxLength ?? 2048,
  });
  const inputIds = Int32Array.from(ids);
  const labels = inputIds.map((id, index) => (lossMask[index] === 1 ? id : ignoreIndex));
  return { inputIds, labels };
}
