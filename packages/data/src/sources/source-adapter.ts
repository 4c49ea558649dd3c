import { SourceColumnsError } from '../errors.js';
import type { DatasetRecord, DropReason, SourceEvent } from './dataset-record.js';

export interface ReadSourceOptions {
  /** The local file. */
  path: string;
  /** The split these records belong to; adapters with several files guess it from the file name. */
  split?: string;
  signal?: AbortSignal;
}

/** Files of a source in a hub listing: the paths they match, and the split they hold. */
export interface SourceFilePattern {
  /** Matches paths in the repository (`/`-separated), e.g. `/^data\/train-\d{5}-of-\d{5}-[0-9a-f]+\.parquet$/`. */
  pattern: RegExp;
  split: string;
}

/** How a source file is laid out, as its adapter found it before reading. */
export interface SourceLayout {
  /** The layout's name, e.g. `wikisql-nested`, `wikisql-top-level`, `csv`, `parquet`. */
  name: string;
  /** The file's columns or top-level fields. */
  columns: readonly string[];
}

/** The hub branch that holds the hub's own parquet conversion of a dataset (`default/<split>/0000.parquet`, …). */
export const parquetConversionBranch = 'refs/convert/parquet';

/** The train split of the hub's parquet conversion. */
export const parquetConversionTrain: readonly SourceFilePattern[] = [
  { pattern: /^default\/train\/\d+\.parquet$/, split: 'train' },
];

/** One dataset: where its files are on the hub, its licence, and how to read its real format. */
export interface SourceAdapter {
  /** The dataset name as FlagAI's `opensource_data_map` spells it. */
  name: string;
  /** The dataset hub repository, `owner/name`. */
  repository: string;
  /** SPDX-style licence from the hub metadata, or `unknown`. */
  licence: string;
  /** The format of the dataset's own files (an adapter that reads the parquet conversion reads parquet too). */
  format: 'csv' | 'jsonl' | 'json' | 'parquet';
  /** The dataset's own files FlagAI used, found by pattern in the hub's listing (their names carry hashes that change). */
  files: readonly SourceFilePattern[];
  /** Files of the hub's parquet conversion (`refs/convert/parquet`) this adapter reads, where its own are missing or unreadable. */
  conversion?: readonly SourceFilePattern[];
  /**
   * Checks a file's layout without reading its records (the header, the parquet schema, the first object): the
   * layout found, or a `SourceColumnsError` naming the file, the columns found and what was expected, or another
   * typed error for a file that is no file of this format.
   */
  probe(options: ProbeSourceOptions): Promise<SourceLayout>;
  read(options: ReadSourceOptions): AsyncIterable<SourceEvent>;
}

export interface ProbeSourceOptions {
  path: string;
  signal?: AbortSignal;
}

/** The error for a file whose columns fit none of the layouts an adapter reads. */
export function layoutError(file: string, columns: readonly string[], expected: string): SourceColumnsError {
  return new SourceColumnsError(
    `${file}: the columns are ${JSON.stringify(columns)}, but this source reads ${expected}. Is this the right file for this source?`,
    { layout: { file, columns, expected } },
  );
}

/** Checks that `columns` holds every one of `required`, else throws a {@link layoutError}. */
export function requireColumns(file: string, columns: readonly string[], required: readonly string[]): void {
  if (required.some((name) => !columns.includes(name)))
    throw layoutError(file, columns, `columns ${required.join(', ')}`);
}

/** Builds a record with the adapter's constant fields filled in. */
export function sourceRecord(
  adapter: Pick<SourceAdapter, 'name' | 'licence'>,
  split: string,
  position: number,
  fields: Pick<DatasetRecord, 'question' | 'schema' | 'sql' | 'dialect'> & Partial<DatasetRecord>,
): SourceEvent {
  return {
    type: 'record',
    record: {
      id: `${adapter.name}:${split}:${position}`,
      source: adapter.name,
      split,
      task: 'text-to-sql',
      licence: adapter.licence,
      ...fields,
    },
  };
}

export function sourceDrop(
  reason: DropReason,
  file: string,
  where: { line?: number; row?: number },
  detail: string,
): SourceEvent {
  return { type: 'drop', drop: { reason, file, ...where, detail } };
}

/** The split named in a file name (`train.csv`, `…-dev.csv`), else `fallback`. */
export function splitFromPath(path: string, fallback: string): string {
  const name = path.split(/[\\/]/).at(-1) ?? '';
  const match = /(?:^|[^a-z])(train|dev|validation|valid|test|eval)(?:[^a-z]|$)/i.exec(name);
  return match ? match[1]!.toLowerCase() : fallback;
}

/** A string field, or undefined when the value is missing or not a string. */
export function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
