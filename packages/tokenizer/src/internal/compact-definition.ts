import { gunzipSync, gzipSync } from 'node:zlib';
import { TokenizerFileFormatError, TokenizerVocabularyMismatchError } from '../errors.js';
import type { AddedTokenDefinition, BpeDefinition } from './bpe-definition.js';
import { isRecord, parseJsonFile } from './parse-json-file.js';

const formatName = 'aquila-bpe';
const formatVersion = 1;

interface CompactHeader {
  format: string;
  version: number;
  modelVocabSize: number;
  mergeCount: number;
  /** Tokens no merge produces (the 256 bytes, `<|endoftext|>`…): id → base64 of their bytes. */
  baseTokens: Record<string, string>;
  byteIds: number[];
  addedTokens: AddedTokenDefinition[];
  bosTokenId?: number;
  eosTokenId?: number;
  padTokenId?: number;
  unkTokenId?: number;
}

/**
 * The shipped form of a tokenizer: a JSON header line and the merges as little-endian (left, right, result)
 * id triples, gzipped. Every merged token's bytes are its parts' bytes, so no vocabulary strings are stored.
 */
export function writeCompactDefinition(definition: BpeDefinition): Buffer {
  const produced = new Uint8Array(definition.modelVocabSize);
  for (const result of definition.mergeResult) produced[result] = 1;
  const baseTokens: Record<string, string> = {};
  for (let id = 0; id < definition.modelVocabSize; id++) {
    if (definition.tokenPresent[id] === 1 && produced[id] === 0) {
      baseTokens[id] = Buffer.from(
        definition.tokenBytes.subarray(definition.tokenOffsets[id], definition.tokenOffsets[id + 1]),
      ).toString('base64');
    }
  }
  const header: CompactHeader = {
    format: formatName,
    version: formatVersion,
    modelVocabSize: definition.modelVocabSize,
    mergeCount: definition.mergeLeft.length,
    baseTokens,
    byteIds: Array.from(definition.byteIds),
    addedTokens: definition.addedTokens,
    bosTokenId: definition.bosTokenId,
    eosTokenId: definition.eosTokenId,
    padTokenId: definition.padTokenId,
    unkTokenId: definition.unkTokenId,
  };
  const merges = Buffer.alloc(definition.mergeLeft.length * 12);
  for (let rank = 0; rank < definition.mergeLeft.length; rank++) {
    merges.writeUInt32LE(definition.mergeLeft[rank] ?? 0, rank * 12);
    merges.writeUInt32LE(definition.mergeRight[rank] ?? 0, rank * 12 + 4);
    merges.writeUInt32LE(definition.mergeResult[rank] ?? 0, rank * 12 + 8);
  }
  return gzipSync(Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), merges]), { level: 9 });
}

/** Reads `writeCompactDefinition`'s output; `file` names it in errors. */
export function readCompactDefinition(compressed: Uint8Array, file: string): BpeDefinition {
  let data: Buffer;
  try {
    data = gunzipSync(compressed);
  } catch (error) {
    throw new TokenizerFileFormatError(
      `${file} is not a complete gzip file (${error instanceof Error ? error.message : String(error)}). Reinstall the package.`,
      { cause: error },
    );
  }
  const newline = data.indexOf(0x0a);
  const header = parseJsonFile(data.subarray(0, newline < 0 ? data.length : newline).toString('utf8'), file);
  if (!isRecord(header) || header.format !== formatName || header.version !== formatVersion) {
    throw new TokenizerFileFormatError(`${file} is not an ${formatName} v${formatVersion} file.`);
  }
  const { modelVocabSize, mergeCount, baseTokens, byteIds } = header as unknown as CompactHeader;
  if (data.length - newline - 1 !== mergeCount * 12) {
    throw new TokenizerFileFormatError(
      `${file} should hold ${mergeCount} merges (${mergeCount * 12} bytes) but holds ${data.length - newline - 1} bytes: it is truncated.`,
    );
  }
  const mergeLeft = new Uint32Array(mergeCount);
  const mergeRight = new Uint32Array(mergeCount);
  const mergeResult = new Uint32Array(mergeCount);
  // Token lengths first (-1: not defined yet), then one buffer that every merged token is copied into from
  // its parts: no per-token allocation.
  const lengths = new Int32Array(modelVocabSize).fill(-1);
  const base = new Map<number, Buffer>();
  for (const [id, base64] of Object.entries(baseTokens)) {
    const bytes = Buffer.from(base64, 'base64');
    base.set(Number(id), bytes);
    lengths[Number(id)] = bytes.length;
  }
  const view = new DataView(data.buffer, data.byteOffset + newline + 1, mergeCount * 12);
  for (let rank = 0; rank < mergeCount; rank++) {
    const left = view.getUint32(rank * 12, true);
    const right = view.getUint32(rank * 12 + 4, true);
    const result = view.getUint32(rank * 12 + 8, true);
    if (
      left >= modelVocabSize ||
      right >= modelVocabSize ||
      result >= modelVocabSize ||
      (lengths[left] as number) < 0 ||
      (lengths[right] as number) < 0
    ) {
      throw new TokenizerVocabularyMismatchError(
        `${file}: merge ${rank} (${left} + ${right} → ${result}) uses a token not defined before it.`,
      );
    }
    mergeLeft[rank] = left;
    mergeRight[rank] = right;
    mergeResult[rank] = result;
    if ((lengths[result] as number) < 0) lengths[result] = (lengths[left] as number) + (lengths[right] as number);
  }
  const tokenOffsets = new Uint32Array(modelVocabSize + 1);
  const tokenPresent = new Uint8Array(modelVocabSize);
  let total = 0;
  for (let id = 0; id < modelVocabSize; id++) {
    tokenOffsets[id] = total;
    const length = lengths[id] as number;
    if (length >= 0) {
      total += length;
      tokenPresent[id] = 1;
    }
  }
  tokenOffsets[modelVocabSize] = total;
  const tokenBytes = new Uint8Array(total);
  for (const [id, bytes] of base) tokenBytes.set(bytes, tokenOffsets[id]);
  const filled = new Uint8Array(modelVocabSize);
  for (const id of base.keys()) filled[id] = 1;
  for (let rank = 0; rank < mergeCount; rank++) {
    const result = mergeResult[rank] as number;
    if (filled[result] === 1) continue; // made by an earlier merge too: the first one spells it
    filled[result] = 1;
    let at = tokenOffsets[result] as number;
    for (const part of [mergeLeft[rank] as number, mergeRight[rank] as number]) {
      for (let index = tokenOffsets[part] as number, end = index + (lengths[part] as number); index < end; index++)
        tokenBytes[at++] = tokenBytes[index] as number;
    }
  }
  const { addedTokens, bosTokenId, eosTokenId, padTokenId, unkTokenId } = header as unknown as CompactHeader;
  const merges = { mergeLeft, mergeRight, mergeResult, byteIds: Uint32Array.from(byteIds) };
  const specialIds = { bosTokenId, eosTokenId, padTokenId, unkTokenId };
  // The compact form stores HF semantics; loadAquilaTokenizer swaps in FlagAI's where asked.
  const behaviour = { stripWhiteSpace: 'unicode', addPrefixSpace: false } as const;
  return {
    modelVocabSize,
    tokenOffsets,
    tokenBytes,
    tokenPresent,
    ...merges,
    addedTokens,
    ...behaviour,
    ...specialIds,
    decodeOverrides: [],
  };
}
