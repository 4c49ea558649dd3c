import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenizerVocabularyError } from '../errors.js';

export interface TokenizerVocabulary {
  /** One past the largest token id: the embedding rows the tokenizer needs. */
  size: number;
  /** The file it was read from. */
  file: string;
}

export interface ReadTokenizerVocabularyOptions {
  /** The checkpoint folder. */
  directory: string;
}

/** One past the largest id of a `tokenizer.json`'s model vocabulary and added tokens; undefined when it has none. */
function tokenizerJsonSize(json: unknown): number | undefined {
  const { model, added_tokens: addedTokens } = (json ?? {}) as { model?: { vocab?: unknown }; added_tokens?: unknown };
  let size = 0;
  const vocab = model?.vocab;
  // BPE and WordPiece map tokens to ids; Unigram lists [piece, score] pairs, ids by position.
  if (Array.isArray(vocab)) size = vocab.length;
  else if (typeof vocab === 'object' && vocab !== null)
    for (const id of Object.values(vocab)) if (Number.isSafeInteger(id)) size = Math.max(size, (id as number) + 1);
  if (Array.isArray(addedTokens))
    for (const token of addedTokens) {
      const id = (token as { id?: unknown } | null)?.id;
      if (Number.isSafeInteger(id)) size = Math.max(size, (id as number) + 1);
    }
  return size > 0 ? size : undefined;
}

/** The number of pieces of a SentencePiece `tokenizer.model` (ModelProto field 1), or undefined when the bytes are not one. */
function sentencePieceSize(bytes: Uint8Array): number | undefined {
  let position = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 49; shift += 7) {
      if (position >= bytes.length) return undefined;
      const byte = bytes[position++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return undefined;
  };
  let pieces = 0;
  while (position < bytes.length) {
    const key = varint();
    if (key === undefined) return undefined;
    const wireType = key % 8;
    if (wireType === 0) {
      if (varint() === undefined) return undefined;
    } else if (wireType === 2) {
      const length = varint();
      if (length === undefined || position + length > bytes.length) return undefined;
      position += length;
      if (Math.floor(key / 8) === 1) pieces += 1;
    } else if (wireType === 1 || wireType === 5) position += wireType === 1 ? 8 : 4;
    else return undefined;
  }
  return position === bytes.length && pieces > 0 ? pieces : undefined;
}

/**
 * The vocabulary of the tokenizer shipped in a checkpoint folder: `tokenizer.json` (model vocabulary and
 * added tokens), else a SentencePiece `tokenizer.model` (Meta's Llama-2 folders). Undefined when the folder
 * has neither (or only files whose size says nothing of the ids, such as Aquila's `vocab.json`, whose
 * special tokens live elsewhere).
 */
export async function readTokenizerVocabulary(
  options: ReadTokenizerVocabularyOptions,
): Promise<TokenizerVocabulary | undefined> {
  const jsonFile = join(options.directory, 'tokenizer.json');
  let text: string | undefined;
  try {
    text = await readFile(jsonFile, 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    let size: number | undefined;
    try {
      size = tokenizerJsonSize(JSON.parse(text));
    } catch {
      size = undefined;
    }
    return size === undefined ? undefined : { size, file: jsonFile };
  }
  const modelFile = join(options.directory, 'tokenizer.model');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(modelFile);
  } catch {
    return undefined;
  }
  const size = sentencePieceSize(bytes);
  return size === undefined ? undefined : { size, file: modelFile };
}

export interface CheckTokenizerVocabularyOptions {
  /** The checkpoint folder. */
  directory: string;
  /** The model's embedding rows (its `vocab_size`). */
  embeddingRows: number;
  /** Told when the embedding has more rows than the tokenizer has ids (padding rows no token reaches). */
  onWarning?: (message: string) => void;
}

/**
 * Checks the folder's tokenizer against the embedding: ids past the last row are a `TokenizerVocabularyError`
 * (the tokenizer belongs to another model); rows past the last id are padding (models round their
 * vocabulary up to a multiple of 64 or 128), worth a warning only.
 */
export async function checkTokenizerVocabulary(options: CheckTokenizerVocabularyOptions): Promise<void> {
  const vocabulary = await readTokenizerVocabulary({ directory: options.directory });
  if (!vocabulary) return;
  const rows = options.embeddingRows;
  if (vocabulary.size > rows)
    throw new TokenizerVocabularyError(
      `${vocabulary.file}: the tokenizer has ids up to ${vocabulary.size - 1}, but the model's embedding has ${rows} rows (vocab_size); the tokenizer belongs to another model. Put the model's own tokenizer files beside its weights.`,
    );
  if (vocabulary.size < rows)
    options.onWarning?.(
      `${vocabulary.file}: the tokenizer has ${vocabulary.size} ids and the embedding ${rows} rows; the ${rows - vocabulary.size} rows past the tokenizer's last id are padding no token reaches.`,
    );
}
