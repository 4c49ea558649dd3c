import type { PipelineDefinition } from './pipeline-definition.js';

/** A token matched in text before pre-tokenization (HF "added token", FlagAI "command token"). */
export interface AddedTokenDefinition {
  id: number;
  content: string;
  /** Absorbs the white space before a match (HF `lstrip`; FlagAI strips both sides). */
  lstrip: boolean;
  /** Absorbs the white space after a match. */
  rstrip: boolean;
  /** Special tokens are left out by `decode({ skipSpecialTokens: true })` and stay text with `parseSpecialTokens: false`. */
  special: boolean;
  /** Another spelling of an id that has its own name (FlagAI `[SEP]` for `[gMASK]`): matched, never the id's name. */
  alias?: boolean;
}

/**
 * Everything a tokenizer is, as plain structured-clonable data: what workers receive and what the
 * compact asset stores. Token bytes are raw bytes, never GPT-2 alphabet strings.
 */
export interface BpeDefinition {
  /** Ids below this come from the BPE model; added tokens may sit at or above it. */
  modelVocabSize: number;
  /** Bytes of model token `id` are `tokenBytes[tokenOffsets[id] .. tokenOffsets[id + 1]]`. */
  tokenOffsets: Uint32Array;
  tokenBytes: Uint8Array;
  /** 1 where a model id has a token (vocabularies may have gaps). */
  tokenPresent: Uint8Array;
  /** Merge `rank` joins `mergeLeft[rank]` and `mergeRight[rank]` into `mergeResult[rank]`. */
  mergeLeft: Uint32Array;
  mergeRight: Uint32Array;
  mergeResult: Uint32Array;
  /** The id of each single byte. */
  byteIds: Uint32Array;
  addedTokens: AddedTokenDefinition[];
  /** Ids that decode to another text (FlagAI: 0 → `[UNK]`), or to nothing (null). */
  decodeOverrides: Array<[number, string | null]>;
  /** What counts as white space for lstrip/rstrip: Python's `str.isspace` (FlagAI) or Unicode White_Space (HF). */
  stripWhiteSpace: 'python' | 'unicode';
  /** ByteLevel `add_prefix_space`: a space is put before text that does not start with one. */
  addPrefixSpace: boolean;
  bosTokenId: number | undefined;
  eosTokenId: number | undefined;
  padTokenId: number | undefined;
  unkTokenId: number | undefined;
  /** Set for a `tokenizer.json` beyond the GPT-2 shape (normalizer, other pre-tokenizers, SentencePiece-style BPE…). */
  pipeline?: PipelineDefinition;
}

/** Packs the bytes of each model id (undefined for gaps) into `tokenOffsets`, `tokenBytes` and `tokenPresent`. */
export function packTokenBytes(
  parts: Array<Uint8Array | undefined>,
): Pick<BpeDefinition, 'tokenOffsets' | 'tokenBytes' | 'tokenPresent'> {
  let total = 0;
  for (const part of parts) total += part?.length ?? 0;
  const tokenOffsets = new Uint32Array(parts.length + 1);
  const tokenBytes = new Uint8Array(total);
  const tokenPresent = new Uint8Array(parts.length);
  let offset = 0;
  for (let id = 0; id < parts.length; id++) {
    tokenOffsets[id] = offset;
    const bytes = parts[id];
    if (bytes === undefined) continue;
    tokenBytes.set(bytes, offset);
    offset += bytes.length;
    tokenPresent[id] = 1;
  }
  tokenOffsets[parts.length] = offset;
  return { tokenOffsets, tokenBytes, tokenPresent };
}
