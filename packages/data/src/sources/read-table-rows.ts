import { SourceFormatError } from '../errors.js';
import { parseCsv } from './parse-csv.js';
import { readCsvObjects } from './read-csv-objects.js';
import { isParquetFile, openParquetFile, readParquetRows } from './read-parquet-rows.js';
import { readTextChunks } from './read-text-chunks.js';
import { requireColumns } from './source-adapter.js';

/** A row of a CSV file (its 1-based start line) or a parquet file (its 0-based row), or a CSV line that holds none. */
export type TableRowEvent =
  | { type: 'row'; position: number; columns: readonly string[]; row: Record<string, unknown> }
  | { type: 'bad-row'; line: number; detail: string };

export interface ReadTableRowsOptions {
  path: string;
  /** Columns that must be there; a parquet file is read for these only. */
  requiredColumns?: readonly string[];
  signal?: AbortSignal;
}

/** The columns of a headed CSV file or a parquet file, and which of the two it is (parquet by its `PAR1` magic). */
export async function readTableColumns(options: {
  path: string;
  signal?: AbortSignal;
}): Promise<{ format: 'csv' | 'parquet'; columns: string[] }> {
  if (await isParquetFile(options.path))
    return { format: 'parquet', columns: (await openParquetFile(options.path)).columns };
  for await (const { fields } of parseCsv(readTextChunks(options), { file: options.path }))
    return { format: 'csv', columns: fields.map((name) => name.trim()) };
  throw new SourceFormatError(`${options.path}: the file is empty (no CSV header). Download it again.`);
}

/**
 * Streams the rows of a table that comes as CSV (the dataset's own file) or as parquet (the hub's conversion of
 * it, whose columns are the CSV's): the same objects either way, CSV values as strings.
 */
export async function* readTableRows(options: ReadTableRowsOptions): AsyncGenerator<TableRowEvent> {
  if (!(await isParquetFile(options.path))) {
    for await (const event of readCsvObjects(options))
      yield event.type === 'row'
        ? { type: 'row', position: event.line, columns: event.columns, row: event.row }
        : event;
    return;
  }
  const { columns } = await openParquetFile(options.path);
  requireColumns(options.path, columns, options.requiredColumns ?? []);
  for await (const { row, value } of readParquetRows({ ...options, columns: options.requiredColumns ?? columns }))
    yield { type: 'row', position: row, columns, row: value };
}
