// Loading

export { type DecodeJsonLinesOptions, decodeJsonLines } from './decode-json-lines.js';
// JSONL records
export { type EncodeJsonLinesOptions, encodeJsonLines } from './encode-json-lines.js';
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
export type { JsonLineProgress } from './internal/json-line-batches.js';
export { preTokenize } from './internal/pre-tokenize.js';
export { type LoadAquilaTokenizerOptions, loadAquilaTokenizer } from './load-aquila-tokenizer.js';
export { type LoadTokenizerOptions, loadTokenizer } from './load-tokenizer.js';
// The tokenizer
export {
  type DecodeOptions,
  type EncodeBatchOptions,
  type EncodeOptions,
  type StreamingDecoder,
  Tokenizer,
} from './tokenizer.js';
export { type WriteTokenizerFilesOptions, writeTokenizerFiles } from './write-tokenizer-files.js';
