import { SourceColumnsError } from '../../errors.js';
import type { SourceEvent } from '../dataset-record.js';
import { type CsvObjectEvent, readCsvObjects } from '../read-csv-objects.js';
import { type ReadSourceOptions, type SourceAdapter, sourceDrop, sourceRecord } from '../source-adapter.js';

const sqlNames = ['sql', 'query', 'sql_query', 'target', 'answer', 'output', 'autotrain_label'];
const questionNames = ['question', 'text', 'autotrain_text', 'source', 'input', 'nl', 'prompt', 'instruction'];
const sniffRows = 64;
const looksLikeSql = /^\s*(select|with|insert|update|delete)\b/i;

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

/**
 * Aditya011/autotrain-data-nl-to-sql: an AutoTrain CSV upload under `raw/`. The question column's name is not
 * documented anywhere we could check, so it is sniffed from the header (and the first rows). No schema is given.
 */
export const autotrainNlToSqlSource: SourceAdapter = {
  name: 'autotrain-data-nl-to-sql',
  repository: 'Aditya011/autotrain-data-nl-to-sql',
  licence: 'unknown',
  format: 'csv',
  files: [{ path: 'raw/autotrain-data-nl-to-sql-train.csv', split: 'train' }],
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? 'train';
    const buffered: Extract<CsvObjectEvent, { type: 'row' }>[] = [];
    let picked: { question: string; sql: string } | undefined;
    const pick = () => {
      const columns = sniffQuestionAndSqlColumns(
        buffered[0]!.columns,
        buffered.map((event) => event.row),
      );
      if (columns === undefined) {
        throw new SourceColumnsError(
          `${options.path}: no column reads as SQL among ${JSON.stringify(buffered[0]!.columns)}. Name the SQL column "sql" and the question column "question".`,
        );
      }
      return columns;
    };
    const record = (event: Extract<CsvObjectEvent, { type: 'row' }>, columns: { question: string; sql: string }) =>
      sourceRecord(autotrainNlToSqlSource, split, event.line, {
        question: event.row[columns.question] ?? '',
        schema: '',
        sql: event.row[columns.sql] ?? '',
        dialect: 'sqlite',
      });
    for await (const event of readCsvObjects(options)) {
      if (event.type === 'bad-row') {
        yield sourceDrop('csv-column-count', options.path, { line: event.line }, event.detail);
      } else if (picked !== undefined) {
        yield record(event, picked);
      } else {
        buffered.push(event);
        if (buffered.length < sniffRows) continue;
        picked = pick();
        for (const row of buffered.splice(0)) yield record(row, picked);
      }
    }
    if (picked === undefined && buffered.length > 0) {
      picked = pick();
      for (const row of buffered) yield record(row, picked);
    }
  },
};
