/** The SQL dialect a record's schema and query are written in; it picks the database that validates them. */
export type SqlDialect = 'sqlite' | 'postgres';

/** One example, whatever source it came from. */
export interface DatasetRecord {
  /** `<source>:<split>:<row>`, stable across builds of the same files. */
  id: string;
  /** The dataset name, as FlagAI's `opensource_data_map` spells it. */
  source: string;
  split: string;
  /** `text-to-sql` examples have a question, schema and SQL; `sql-execution` ones only `text` (pretraining). */
  task: 'text-to-sql' | 'sql-execution';
  question: string;
  /** CREATE TABLE statements; empty when the source gives none. */
  schema: string;
  sql: string;
  dialect: SqlDialect;
  /** SPDX-style id from the dataset hub metadata, or `unknown` where none is declared. */
  licence: string;
  /** WikiSQL-shaped sources: the table's column names and types, for FlagAI's WikiSQL prompt. */
  table?: { name: string; columns: string[]; types: string[] };
  /** WikiSQL's own readable form of the query (`SELECT COUNT Attendance FROM table WHERE …`). */
  humanReadableSql?: string;
  /** `sql-execution` records: the whole pretraining text. */
  text?: string;
}

/** Why a record was dropped; counted per source in the build report. */
export type DropReason =
  | 'invalid-json'
  | 'csv-column-count'
  | 'invalid-row'
  | 'unparseable-prompt'
  | 'invalid-wikisql'
  | 'empty-question'
  | 'empty-sql'
  | 'non-commercial-licence'
  | 'duplicate-within-source'
  | 'duplicate-across-sources'
  | 'invalid-schema'
  | 'invalid-sql'
  | 'multiple-statements';

/** Where a dropped record was and why. */
export interface DroppedRecord {
  reason: DropReason;
  file: string;
  /** 1-based line (text formats) or 0-based row (parquet, JSON arrays). */
  line?: number;
  row?: number;
  detail: string;
}

/**
 * What a source adapter yields: records, and the ones it could not read. `layout` names the layout or prompt
 * template of the row where an adapter reads several (counted per source in the build report).
 */
export type SourceEvent =
  | { type: 'record'; record: DatasetRecord; layout?: string }
  | { type: 'drop'; drop: DroppedRecord; layout?: string };
