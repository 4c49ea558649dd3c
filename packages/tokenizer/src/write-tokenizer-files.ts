import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFilesTogether } from '@aquila/files';
import { TokenizerUnsupportedError } from './errors.js';
import { bytesToVocabularyString } from './internal/byte-level.js';
import type { Tokenizer } from './tokenizer.js';

export interface WriteTokenizerFilesOptions {
  tokenizer: Tokenizer;
  /** The folder to write `tokenizer.json` and `special_tokens_map.json` into (created if missing). */
  directory: string;
  signal?: AbortSignal;
}

/**
 * Writes `tokenizer` as a Hugging Face `tokenizer.json` (BPE model, ByteLevel pre-tokenizer and decoder,
 * added tokens) with a `special_tokens_map.json` naming BOS, EOS, PAD and UNK, so that a checkpoint folder
 * carries its tokenizer: `loadTokenizer` (and Hugging Face tokenizers) read it back to the same ids. What the
 * format cannot say is left out: FlagAI's alternative spellings of an id, its decoding of id 0 as `[UNK]`,
 * and its Python notion of white space around special tokens (the file gets Hugging Face's). Resolves to the
 * names of the files written.
 */
export async function writeTokenizerFiles(options: WriteTokenizerFilesOptions): Promise<string[]> {
  const { tokenizer, directory, signal } = options;
  signal?.throwIfAborted();
  const definition = tokenizer.definition;
  if (definition.pipeline !== undefined)
    throw new TokenizerUnsupportedError(
      `writeTokenizerFiles writes tokenizers of the GPT-2 shape (Aquila's); this one came from a tokenizer.json with its own normalizer, pre-tokenizer or post-processor: copy that file instead.`,
    );
  const name = (id: number): string =>
    bytesToVocabularyString(
      definition.tokenBytes.subarray(definition.tokenOffsets[id], definition.tokenOffsets[id + 1]),
    );
  const vocab: Record<string, number> = {};
  for (let id = 0; id < definition.modelVocabSize; id++) if (definition.tokenPresent[id] === 1) vocab[name(id)] = id;
  const merges: string[] = [];
  for (let rank = 0; rank < definition.mergeLeft.length; rank++)
    merges.push(`${name(definition.mergeLeft[rank] as number)} ${name(definition.mergeRight[rank] as number)}`);
  const addedTokens = definition.addedTokens
    .filter((token) => token.alias !== true)
    .sort((left, right) => left.id - right.id)
    .map(({ id, content, lstrip, rstrip, special }) => ({
      id,
      content,
      single_word: false,
      lstrip,
      rstrip,
      normalized: false,
      special,
    }));
  const byteLevel = {
    type: 'ByteLevel',
    add_prefix_space: definition.addPrefixSpace,
    trim_offsets: true,
    use_regex: true,
  };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
  const tokenName = (id: number | undefined): string | undefined =>
    id === undefined ? undefined : (tokenizer.idToToken(id) ?? undefined);
  const specialTokensMap = Object.fromEntries(
    [
      ['bos_token', tokenName(tokenizer.bosTokenId)],
      ['eos_token', tokenName(tokenizer.eosTokenId)],
      ['pad_token', tokenName(tokenizer.padTokenId)],
      ['unk_token', tokenName(tokenizer.unkTokenId)],
    ].filter(([, value]) => value !== undefined),
  );
  await mkdir(directory, { recursive: true });
  const files: Array<[string, string]> = [
    ['tokenizer.json', JSON.stringify(tokenizerJson)],
    ['special_tokens_map.json', `${JSON.stringify(specialTokensMap, null, 2)}\n`],
  ];
  // Both are written under temporary names before either is renamed into place: a folder never holds half
  // a tokenizer, and an interrupted process leaves no temporary file behind.
  await writeFilesTogether({
    files: files.map(([file, data]) => ({ path: join(directory, file), data })),
    ...(signal === undefined ? {} : { signal }),
  });
  return files.map(([file]) => file);
}
