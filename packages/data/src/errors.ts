import { AquilaError } from '@aquila/errors';

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

/** An input file is missing, is a folder, or cannot be read. */
export class InputFileError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_INPUT_FILE';
}

/** An input yields no document at all (an empty file, or no line with the text field), so nothing is written. */
export class NoDocumentsError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_NO_DOCUMENTS';
}
