import type { SourceEvent } from '../dataset-record.js';
import { readTableColumns, readTableRows } from '../read-table-rows.js';
import {
  parquetConversionTrain,
  type ReadSourceOptions,
  requireColumns,
  type SourceAdapter,
  sourceDrop,
  sourceRecord,
  splitFromPath,
  stringField,
} from '../source-adapter.js';

const columns = ['question', 'create_table_statement', 'sql_query', 'wiki_sql_table_id'] as const;

// kaxap's two datasets share one CSV shape: PostgreSQL DDL with quoted identifiers, validated in PGlite. The hub's
// parquet conversion has the same columns.
function pgSqlInstructions(adapter: Omit<SourceAdapter, 'read' | 'format' | 'probe' | 'conversion'>): SourceAdapter {
  return {
    ...adapter,
    format: 'csv',
    conversion: parquetConversionTrain,
    async probe(options) {
      const table = await readTableColumns(options);
      requireColumns(options.path, table.columns, columns);
      return { name: table.format, columns: table.columns };
    },
    async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
      const split = options.split ?? splitFromPath(options.path, 'train');
      for await (const event of readTableRows({ ...options, requiredColumns: columns })) {
        if (event.type === 'bad-row') {
          yield sourceDrop('csv-column-count', options.path, { line: event.line }, event.detail);
          continue;
        }
        const question = stringField(event.row.question);
        const schema = stringField(event.row.create_table_statement);
        const sql = stringField(event.row.sql_query);
        if (question === undefined || schema === undefined || sql === undefined) {
          yield sourceDrop(
            'invalid-row',
            options.path,
            { row: event.position },
            'expected string columns question, create_table_statement and sql_query',
          );
          continue;
        }
        yield sourceRecord(adapter, split, event.position, { question, schema, sql, dialect: 'postgres' });
      }
    },
  };
}

/** kaxap/pg-wikiSQL-sql-instructions-80k: WikiSQL re-expressed as PostgreSQL (train.csv, dev.csv, test.csv). */
export const pgWikiSqlSource = pgSqlInstructions({
  name: 'pg-wikiSQL-sql-instructions-80k',
  repository: 'kaxap/pg-wikiSQL-sql-instructions-80k',
  licence: 'bsd-3-clause',
  files: [
    { pattern: /^train\.csv$/, split: 'train' },
    { pattern: /^dev\.csv$/, split: 'dev' },
  ],
});

/** kaxap/pg-gpt4SQL-sql-instructions-1k: GPT-4 written PostgreSQL over WikiSQL tables. Non-commercial. */
export const pgGpt4SqlSource = pgSqlInstructions({
  name: 'pg-gpt4SQL-sql-instructions-1k',
  repository: 'kaxap/pg-gpt4SQL-sql-instructions-1k',
  licence: 'cc-by-nc-4.0',
  files: [{ pattern: /^train\.csv$/, split: 'train' }],
});
