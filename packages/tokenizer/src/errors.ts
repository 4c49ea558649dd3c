import { AquilaError } from '@aquila/errors';
import { BadLineError } from '@aquila/files';

/** The base of every error thrown by @aquila/tokenizer, except `TokenizerInputError` (a bad input line). */
export class TokenizerError extends AquilaError {
  static override readonly code: string = 'AQUILA_TOKENIZER';
}

/** A tokenizer file or folder does not exist or cannot be read. */
export class TokenizerFileNotFoundError extends TokenizerError {
  static override readonly code: string = 'AQUILA_TOKENIZER_FILE_NOT_FOUND';
}

/** A tokenizer file is truncated or malformed (bad JSON, a merges line that is not two tokens, a wrong field type). */
export class TokenizerFileFormatError extends TokenizerError {
  static override readonly code: string = 'AQUILA_TOKENIZER_FILE_FORMAT';
}

/** A merge names a token that is not in the vocabulary. */
export class TokenizerUnknownMergeError extends TokenizerError {
  static override readonly code: string = 'AQUILA_TOKENIZER_UNKNOWN_MERGE';
}

/** The vocabulary and the merges do not belong together (a merge result or a byte symbol is missing). */
export class TokenizerVocabularyMismatchError extends TokenizerError {
  static override readonly code: string = 'AQUILA_TOKENIZER_VOCABULARY_MISMATCH';
}

/** The tokenizer file describes something this package does not implement (not a byte-level BPE). */
export class TokenizerUnsupportedError extends TokenizerError {
  static override readonly code: string = 'AQUILA_TOKENIZER_UNSUPPORTED';
}

/** A token id given to `decode` is not an integer id of this tokenizer. */
export class TokenIdError extends TokenizerError {
  static override readonly code: string = 'AQUILA_TOKENIZER_INVALID_ID';
}

/** A worker thread of `encodeBatch` failed. */
export class TokenizerWorkerError extends TokenizerError {
  static override readonly code: string = 'AQUILA_TOKENIZER_WORKER';
}

/**
 * A JSONL input line of `encodeJsonLines`/`decodeJsonLines` is not JSON or not a record (no text field, no
 * valid ids). It is a `BadLineError` of `@aquila/files`, not a `TokenizerError`, so that the one bad-line
 * policy (stop at the first, or skip and count) applies to it as to every reader of user files; and it has
 * their code, `AQUILA_BAD_LINE`, so a bad line reads the same whichever command met it.
 */
export class TokenizerInputError extends BadLineError {
  static override readonly code: string = BadLineError.code;
}
