import { AquilaError } from '@aquila/errors';

/** A SQL string lies outside the Spider grammar (or does not tokenise): the official parser rejects it too. */
export class SqlParseError extends AquilaError {
  static override readonly code: string = 'AQUILA_SQL_PARSE';
}

/** A schema source (tables.json entry, SQLite file) is missing or malformed. */
export class SchemaError extends AquilaError {
  static override readonly code: string = 'AQUILA_SQL_SCHEMA';
}

/** A gold or prediction file is malformed: wrong line format, bad encoding, lengths that differ. */
export class EvaluationInputError extends AquilaError {
  static override readonly code: string = 'AQUILA_SQL_EVALUATION_INPUT';
}

/** A gold query fails to parse or to execute: the official evaluator crashes here, we stop with the place named. */
export class GoldQueryError extends AquilaError {
  static override readonly code: string = 'AQUILA_SQL_GOLD_QUERY';
}

/** The SQLite engine or a worker failed in a way that is not the prediction's fault. */
export class ExecutionEngineError extends AquilaError {
  static override readonly code: string = 'AQUILA_SQL_EXECUTION_ENGINE';
}
