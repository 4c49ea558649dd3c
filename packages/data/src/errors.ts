import { AquilaError, type AquilaErrorOptions } from '@aquila/errors';

/** Where a source file's layout check failed: the file, the columns (or fields) it has, and what its adapter reads. */
export interface SourceLayoutProblem {
  file: string;
  /** The columns or top-level fields found; empty when none could be read. */
  columns: readonly string[];
  /** What the adapter reads, in words (`columns question, sql and table`). */
  expected: string;
}

/** A source file is not valid UTF-8. */
export class SourceEncodingError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_SOURCE_ENCODING';
}

/** A source file is malformed beyond recovery (unbalanced CSV quote, corrupt parquet, broken JSON array, empty file). */
export class SourceFormatError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_SOURCE_FORMAT';
}

/** A source file lacks the columns (or fields) its dataset is known to have, or has them in a layout no adapter reads. */
export class SourceColumnsError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_SOURCE_COLUMNS';
  /** The file, the columns found and what was expected, where the check that failed knows them. */
  readonly layout: SourceLayoutProblem | undefined;

  constructor(message: string, options: AquilaErrorOptions & { layout?: SourceLayoutProblem } = {}) {
    super(message, options);
    this.layout = options.layout;
  }
}

/** `aquila data fetch` could not get one or more sources (no file in the listing, none readable, the hub failed). */
export class SourceFetchError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_FETCH';
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
