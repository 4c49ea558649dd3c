// Loading
export { loadTokenizer, type LoadTokenizerOptions } from './load-tokenizer.js';
export { loadAquilaTokenizer, type LoadAquilaTokenizerOptions } from './load-aquila-tokenizer.js';

// The tokenizer
export { Tokenizer, type DecodeOptions, type EncodeBatchOptions, type EncodeOptions, type StreamingDecoder } from './tokenizer.js';
export { preTokenize } from './internal/pre-tokenize.js';

// Errors
export {
  TokenIdError,
  TokenizerError,
  TokenizerFileFormatError,
  TokenizerFileNotFoundError,
  TokenizerUnknownMergeError,
  TokenizerUnsupportedError,
  TokenizerVocabularyMismatchError,
  TokenizerWorkerError,
} from './errors.js';
