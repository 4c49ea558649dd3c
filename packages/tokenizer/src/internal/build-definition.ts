import { describeValue } from '@aquila/errors';
import { TokenizerFileFormatError, TokenizerUnknownMergeError, TokenizerVocabularyMismatchError } from '../errors.js';
import { type AddedTokenDefinition, type BpeDefinition, packTokenBytes } from './bpe-definition.js';
import { byteToCharacter, vocabularyStringToBytes } from './byte-level.js';
import type { PipelineDefinition } from './pipeline-definition.js';

export interface MergeSource {
  left: string;
  right: string;
  /** Where the merge is written, for errors: `merges.txt line 12`; default `<vocabularyFile> model.merges[rank]`. */
  where?: string;
}

export interface DefinitionSource {
  /** Token → id; each id checked with `isTokenId`, as are those of `addedTokens`. */
  vocabulary: Map<string, number>;
  merges: MergeSource[];
  /** The file the vocabulary came from, for errors. */
  vocabularyFile: string;
  addedTokens: AddedTokenDefinition[];
  stripWhiteSpace: 'python' | 'unicode';
  addPrefixSpace: boolean;
  specialTokenNames: { bos?: string; eos?: string; pad?: string; unk?: string };
  /** The general path's parts; its `byteLevel` false means vocabulary strings are text, not GPT-2's byte alphabet. */
  pipeline?: PipelineDefinition;
}

const utf8 = new TextEncoder();

/** Ids run below 2^24: far above any real vocabulary, low enough that tables indexed by id stay small. */
const idLimit = 1 << 24;

/** Whether `id` may be a token id (an integer from 0 to 16,777,215). */
export function isTokenId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < idLimit;
}

/** Checks a vocabulary and its merges against each other and packs them into a `BpeDefinition`. */
export function buildDefinition(source: DefinitionSource): BpeDefinition {
  const { vocabulary, merges } = source;
  const byteLevel = source.pipeline?.byteLevel ?? true;
  let modelVocabSize = 0;
  // The readers checked each id with `isTokenId`.
  for (const id of vocabulary.values()) modelVocabSize = Math.max(modelVocabSize, id + 1);
  const byId: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(modelVocabSize);
  for (const [token, id] of vocabulary) {
    if (byId[id] !== undefined) {
      throw new TokenizerFileFormatError(
        `${source.vocabularyFile}: id ${id} is given to two tokens (one is ${describeValue(token)}). Each id must name one token.`,
      );
    }
    byId[id] = byteLevel ? vocabularyStringToBytes(token) : utf8.encode(token);
  }
  const { tokenOffsets, tokenBytes, tokenPresent } = packTokenBytes(byId);

  const byteIds = new Uint32Array(256);
  // A SentencePiece-style model starts from characters (and `<0xNN>` tokens), never from the byte alphabet.
  for (let byte = 0; byte < 256 && byteLevel; byte++) {
    const symbol = String.fromCharCode(byteToCharacter[byte] ?? 0);
    const id = vocabulary.get(symbol);
    if (id === undefined) {
      throw new TokenizerVocabularyMismatchError(
        `${source.vocabularyFile} has no token for byte 0x${byte.toString(16).padStart(2, '0')} (${JSON.stringify(symbol)}): a byte-level BPE vocabulary needs all 256 byte symbols. Is this a GPT-2-style tokenizer?`,
      );
    }
    byteIds[byte] = id;
  }

  const mergeLeft = new Uint32Array(merges.length);
  const mergeRight = new Uint32Array(merges.length);
  const mergeResult = new Uint32Array(merges.length);
  merges.forEach((merge, rank) => {
    const where = (): string => merge.where ?? `${source.vocabularyFile} model.merges[${rank}]`;
    const left = vocabulary.get(merge.left);
    const right = vocabulary.get(merge.right);
    if (left === undefined || right === undefined) {
      const missing = left === undefined ? merge.left : merge.right;
      throw new TokenizerUnknownMergeError(
        `${where()}: the merge ${describeValue(`${merge.left} ${merge.right}`)} names ${describeValue(missing)}, which is not in ${source.vocabularyFile}. The merges and the vocabulary must come from the same tokenizer.`,
      );
    }
    const result = vocabulary.get(merge.left + merge.right);
    if (result === undefined) {
      throw new TokenizerVocabularyMismatchError(
        `${where()}: the merge ${describeValue(`${merge.left} ${merge.right}`)} makes ${describeValue(merge.left + merge.right)}, which is not in ${source.vocabularyFile}. The merges and the vocabulary must come from the same tokenizer.`,
      );
    }
    mergeLeft[rank] = left;
    mergeRight[rank] = right;
    mergeResult[rank] = result;
  });

  const idOf = (name: string | undefined): number | undefined => {
    if (name === undefined) return undefined;
    return source.addedTokens.find((token) => token.content === name)?.id ?? vocabulary.get(name);
  };
  return {
    modelVocabSize,
    tokenOffsets,
    tokenBytes,
    tokenPresent,
    mergeLeft,
    mergeRight,
    mergeResult,
    byteIds,
    addedTokens: source.addedTokens,
    decodeOverrides: [],
    stripWhiteSpace: source.stripWhiteSpace,
    addPrefixSpace: source.addPrefixSpace,
    bosTokenId: idOf(source.specialTokenNames.bos),
    eosTokenId: idOf(source.specialTokenNames.eos),
    padTokenId: idOf(source.specialTokenNames.pad),
    unkTokenId: idOf(source.specialTokenNames.unk),
    ...(source.pipeline === undefined ? {} : { pipeline: source.pipeline }),
  };
}
