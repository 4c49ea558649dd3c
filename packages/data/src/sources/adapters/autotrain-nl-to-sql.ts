import { SourceColumnsError } from '../../errors.js';
import type { SourceEvent } from '../dataset-record.js';
import { readTableColumns, readTableRows, type TableRowEvent } from '../read-table-rows.js';
import {
  layoutError,
  type ProbeSourceOptions,
  parquetConversionTrain,
  type ReadSourceOptions,
  type SourceAdapter,
  type SourceLayout,
  sourceDrop,
  sourceRecord,
  splitFromPath,
} from '../source-adapter.js';

const sqlNames = ['sql', 'query', 'sql_query', 'target', 'answer', 'output', 'autotrain_label'];
const questionNames = ['question', 'text', 'autotrain_text', 'source', 'input', 'nl', 'prompt', 'instruction'];
const sniffRows = 64;
const looksLikeSql = /^\s*(select|with|insert|update|delete)\b/i;
const expected = `a column that reads as SQL (named ${sqlNames.join(', ')}, or SQL in most rows) and a question column`;

/** Picks the SQL and question columns: by a known name, else by content (the column that reads as SQL, and the longest other one). */
export function sniffQuestionAndSqlColumns(
  columns: readonly string[],
  rows: readonly Record<string, string>[],
): { question: string; sql: string } | undefined {
  const byName = (names: string[], exclude?: string) =>
    columns.find((column) => column !== exclude && names.includes(column.toLowerCase()));
  const sqlShare = (column: string) =>
    rows.filter((row) => looksLikeSql.test(row[column] ?? '')).length / Math.max(1, rows.length);
  const sql =
    byName(sqlNames) ??
    [...columns].sort((a, b) => sqlShare(b) - sqlShare(a)).find((column) => sqlShare(column) >= 0.5);
  if (sql === undefined) return undefined;
  const averageLength = (column: string) => rows.reduce((sum, row) => sum + (row[column]?.length ?? 0), 0);
  const question =
    byName(questionNames, sql) ??
    [...columns]
      .filter((column) => column !== sql && sqlShare(column) < 0.5)
      .sort((a, b) => averageLength(b) - averageLength(a))[0];
  return question === undefined ? undefined : { question, sql };
}

type Row = Extract<TableRowEvent, { type: 'row' }>;

/** A parquet value as the text a CSV field would hold. */
const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
const asText = (row: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(row).map(([key, value]) => [key, text(value)]));

function pick(path: string, rows: readonly Row[], columns: readonly string[]): { question: string; sql: string } {
  const picked = sniffQuestionAndSqlColumns(
    columns,
    rows.map((event) => asText(event.row)),
  );
  if (picked === undefined)
    throw new SourceColumnsError(
      `${path}: no column reads as SQL among ${JSON.stringify(columns)}. Name the SQL column "sql" and the question column "question".`,
      { layout: { file: path, columns, expected } },
    );
  return picked;
}

/**
 * Aditya011/autotrain-data-nl-to-sql: an AutoTrain CSV upload under `raw/` (its name is not documented), or the
 * hub's parquet conversion of it (`refs/convert/parquet`, `default/train/0000.parquet`). The question and SQL
 * columns are sniffed from the header (and the first rows) either way. No schema is given.
 */
export const autotrainNlToSqlSource: SourceAdapter = {
  name: 'autotrain-data-nl-to-sql',
  repository: 'Aditya011/autotrain-data-nl-to-sql',
  licence: 'unknown',
  format: 'csv',
  files: [{ pattern: /^raw\/[^/]+\.csv$/, split: 'train' }],
  conversion: parquetConversionTrain,
  async probe(options: ProbeSourceOptions): Promise<SourceLayout> {
    const table = await readTableColumns(options);
    const rows: Row[] = [];
    for await (const event of readTableRows(options)) {
      if (event.type === 'row') rows.push(event);
      if (rows.length >= sniffRows) break;
    }
    if (rows.length === 0) throw layoutError(options.path, table.columns, `${expected}, and rows`);
    const picked = pick(options.path, rows, table.columns);
    return { name: `${table.format} (question ${picked.question}, sql ${picked.sql})`, columns: table.columns };
  },
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? splitFromPath(options.path, 'train');
    const buffered: Row[] = [];
    let picked: { question: string; sql: string } | undefined;
    const record = (event: Row, columns: { question: string; sql: string }) =>
      sourceRecord(autotrainNlToSqlSource, split, event.position, {
        question: text(event.row[columns.question]),
        schema: '',
        sql: text(event.row[columns.sql]),
        dialect: 'sqlite',
      });
    for await (const event of readTableRows(options)) {
      if (event.type === 'bad-row') {
        yield sourceDrop('csv-column-count', options.path, { line: event.line }, event.detail);
      } else if (picked !== undefined) {
        yield record(event, picked);
      } else {
        buffered.push(event);
        if (buffered.length < sniffRows) continue;
        picked = pick(options.path, buffered, event.columns);
        for (const row of buffered.splice(0)) yield record(row, picked);
      }
    }
    if (picked === undefined && buffered.length > 0) {
      picked = pick(options.path, buffered, buffered[0]!.columns);
      for (const row of buffered) yield record(row, picked);
    }
  },
};
