// Loading a tokenizer, and writing one as Hugging Face files

export { type LoadAquilaTokenizerOptions, loadAquilaTokenizer } from './load-aquila-tokenizer.js';
export { type LoadTokenizerOptions, loadTokenizer } from './load-tokenizer.js';
export { type WriteTokenizerFilesOptions, writeTokenizerFiles } from './write-tokenizer-files.js';

// The tokenizer, and GPT-2's pre-tokenisation on its own

export { preTokenize } from './pre-tokenize.js';
export {
  type DecodeOptions,
  type EncodeBatchOptions,
  type EncodeOptions,
  type StreamingDecoder,
  Tokenizer,
} from './tokenizer.js';

// JSONL records to token ids and back

export { type DecodeJsonLinesOptions, decodeJsonLines } from './decode-json-lines.js';
export { type EncodeJsonLinesOptions, encodeJsonLines } from './encode-json-lines.js';
export type { JsonLineProgress } from './json-line-progress.js';

// Errors

export {
  TokenIdError,
  TokenizerError,
  TokenizerFileFormatError,
  TokenizerFileNotFoundError,
  TokenizerInputError,
  TokenizerUnknownMergeError,
  TokenizerUnsupportedError,
  TokenizerVocabularyMismatchError,
  TokenizerWorkerError,
} from './errors.js';
