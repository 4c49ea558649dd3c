import { AquilaError } from '@aquila/errors';

/** A database cannot be opened or built: a missing or non-SQLite file, DDL that SQLite rejects or that is not CREATE statements. */
export class DatabaseOpenError extends AquilaError {
  static override readonly code: string = 'AQUILA_TEXT_TO_SQL_DATABASE_OPEN';
}

/** A statement that could change a database (DROP, UPDATE, ATTACH, VACUUM INTO, PRAGMA …) was refused before it ran. */
export class WriteRefusedError extends AquilaError {
  static override readonly code: string = 'AQUILA_TEXT_TO_SQL_WRITE_REFUSED';
}

/** A query failed on the database: a SQLite error, or it ran past its timeout. */
export class QueryExecutionError extends AquilaError {
  static override readonly code: string = 'AQUILA_TEXT_TO_SQL_QUERY_EXECUTION';
}

/** Options out of range: an empty question, a row cap or timeout that is not a positive integer, an unknown preset. */
export class TextToSqlOptionsError extends AquilaError {
  static override readonly code: string = 'AQUILA_TEXT_TO_SQL_OPTIONS';
}

/** A benchmark input (questions, tables.json, database folder, template, earlier run) is missing or malformed. */
export class BenchmarkInputError extends AquilaError {
  static override readonly code: string = 'AQUILA_TEXT_TO_SQL_BENCHMARK_INPUT';
}

/** An OpenAI-compatible endpoint failed after every retry, or answered with something that is not a completion. */
export class EndpointError extends AquilaError {
  static override readonly code: string = 'AQUILA_TEXT_TO_SQL_ENDPOINT';
}

export interface RunSettingsChangedErrorOptions {
  /** The run folder. */
  output: string;
  /** What differs, each as `name before → after`. */
  differences: readonly string[];
}

/** A run folder holds an earlier run with other settings: continuing it would mix two runs' predictions. */
export class RunSettingsChangedError extends BenchmarkInputError {
  static override readonly code: string = 'AQUILA_TEXT_TO_SQL_RUN_SETTINGS_CHANGED';
  readonly differences: readonly string[];

  constructor(options: RunSettingsChangedErrorOptions) {
    super(
      `${options.output} holds an earlier run with other settings (${options.differences.join('; ')}); adding to it would mix two runs. ` +
        `Use a new --out folder, or pass --restart to discard the earlier run's files in ${options.output}.`,
    );
    this.differences = options.differences;
  }
}
