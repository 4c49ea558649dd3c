// Loading
export { loadTokenizer, type LoadTokenizerOptions } from './load-tokenizer.js';
export { loadAquilaTokenizer, type LoadAquilaTokenizerOptions } from './load-aquila-tokenizer.js';
export { writeTokenizerFiles, type WriteTokenizerFilesOptions } from './write-tokenizer-files.js';

// The tokenizer
export { Tokenizer, type DecodeOptions, type EncodeBatchOptions, type EncodeOptions, type StreamingDecoder } from './tokenizer.js';
export { preTokenize } from './internal/pre-tokenize.js';

// JSONL records
export { encodeJsonLines, type EncodeJsonLinesOptions } from './encode-json-lines.js';
export { decodeJsonLines, type DecodeJsonLinesOptions } from './decode-json-lines.js';
export type { JsonLineProgress } from './internal/json-line-batches.js';

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
