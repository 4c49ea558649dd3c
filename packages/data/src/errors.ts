import { AquilaError } from '@aquila/errors';

/** An `.idx`/`.bin` pair is not a valid Megatron MMIDIDX indexed dataset (or does not match its own index). */
export class IndexedDatasetFormatError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_INDEXED_DATASET_FORMAT';
}

/** A token id does not fit the indexed dataset's dtype (e.g. an id over 65,535 in a uint16 file). */
export class TokenRangeError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_TOKEN_RANGE';
}

/** Parallel text and loss-mask documents differ in length. */
export class LossMaskLengthError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_LOSS_MASK_LENGTH';
}

/** A source file is not valid UTF-8. */
export class SourceEncodingError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_SOURCE_ENCODING';
}

/** A source file is malformed beyond recovery (unbalanced CSV quote, corrupt parquet, broken JSON array, empty file). */
export class SourceFormatError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_SOURCE_FORMAT';
}

/** A source file lacks the columns (or fields) its dataset is known to have. */
export class SourceColumnsError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_SOURCE_COLUMNS';
}

/** A build configuration is invalid (unknown source type, missing path, bad option). */
export class BuildConfigError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_BUILD_CONFIG';
}

/** A download failed (HTTP status, network) or its content does not match the expected checksum. */
export class DownloadError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_DOWNLOAD';
}

/** A downloaded file's SHA-256 differs from the expected one. */
export class ChecksumMismatchError extends DownloadError {
  static override readonly code: string = 'AQUILA_DATA_CHECKSUM_MISMATCH';
}

/** An input file is missing, is a folder, or cannot be read. */
export class InputFileError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_INPUT_FILE';
}

/** An input yields no document at all (an empty file, or no line with the text field), so nothing is written. */
export class NoDocumentsError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_NO_DOCUMENTS';
}
