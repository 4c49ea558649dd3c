import type { BpeDefinition } from './bpe-definition.js';
import { hashPiece, PieceTable, type PieceTableData } from './piece-table.js';

/** The pieces that are one token each (see `tokensEncodeToThemselves`), and the longest one for each first unit. */
export interface WholeTokenData {
  table: PieceTableData;
  /** By a piece's first UTF-16 unit, the length of the longest whole token starting with it: longer pieces skip the table. */
  longest: Uint16Array;
}

/**
 * The UTF-16 length of `bytes[start .. end)` if it is well-formed UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF, as a fatal TextDecoder checks), else -1.
 */
export function utf16Length(bytes: Uint8Array, start: number, end: number): number {
  let units = 0;
  for (let index = start; index < end; ) {
    const lead = bytes[index] as number;
    if (lead < 0x80) {
      index++;
      units++;
      continue;
    }
    let following: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) following = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      following = 2;
      if (lead === 0xe0) low = 0xa0;
      else if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      following = 3;
      if (lead === 0xf0) low = 0x90;
      else if (lead === 0xf4) high = 0x8f;
    } else return -1;
    if (index + following >= end) return -1;
    const second = bytes[index + 1] as number;
    if (second < low || second > high) return -1;
    for (let part = 2; part <= following; part++) if (((bytes[index + part] as number) & 0xc0) !== 0x80) return -1;
    index += following + 1;
    units += following === 3 ? 2 : 1;
  }
  return units;
}

/**
 * Builds the whole-token table from the byte tokens and every merge's result (tokens no merge makes, such as
 * `<|endoftext|>` in a vocabulary, are never produced by BPE and stay out). The valid UTF-8 of all of them
 * is decoded in one call and each token's span of that string goes into the table.
 */
export function buildWholeTokens(definition: BpeDefinition): WholeTokenData | undefined {
  if (definition.tokensEncodeToThemselves !== true) return undefined;
  const { tokenBytes, tokenOffsets } = definition;
  const candidates = definition.byteIds.length + definition.mergeResult.length;
  const ids = new Int32Array(candidates);
  const lengths = new Int32Array(candidates);
  const joined = new Uint8Array(tokenBytes.length);
  const seen = new Uint8Array(definition.modelVocabSize);
  let count = 0;
  let joinedLength = 0;
  let totalUnits = 0;
  for (let index = 0; index < candidates; index++) {
    const id = (index < 256 ? definition.byteIds[index] : definition.mergeResult[index - 256]) as number;
    if (seen[id] === 1) continue; // a token made by two merges
    seen[id] = 1;
    const start = tokenOffsets[id] as number;
    const end = tokenOffsets[id + 1] as number;
    const length = utf16Length(tokenBytes, start, end);
    if (length <= 0) continue; // not whole characters: such a token is never a piece by itself
    ids[count] = id;
    lengths[count++] = length;
    totalUnits += length;
    for (let at = start; at < end; at++) joined[joinedLength++] = tokenBytes[at] as number;
  }
  const text = new TextDecoder().decode(joined.subarray(0, joinedLength));
  const table = new PieceTable({ entries: count, units: totalUnits });
  const longest = new Uint16Array(new SharedArrayBuffer(0x10000 * 2));
  for (let index = 0, start = 0; index < count; index++) {
    const end = start + (lengths[index] as number);
    const hash = hashPiece(text, start, end);
    table.set(text, start, end, hash, ids[index] as number);
    const first = text.charCodeAt(start);
    longest[first] = Math.max(longest[first] as number, Math.min(end - start, 0xffff));
    start = end;
  }
  return { table: table.data, longest };
}
