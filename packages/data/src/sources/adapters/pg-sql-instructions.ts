import type { SourceEvent } from '../dataset-record.js';
import { readCsvObjects } from '../read-csv-objects.js';
import {
  type ReadSourceOptions,
  type SourceAdapter,
  sourceDrop,
  sourceRecord,
  splitFromPath,
} from '../source-adapter.js';

const columns = ['question', 'create_table_statement', 'sql_query', 'wiki_sql_table_id'] as const;

// kaxap's two datasets share one CSV shape: PostgreSQL DDL with quoted identifiers, validated in PGlite.
function pgSqlInstructions(adapter: Omit<SourceAdapter, 'read' | 'format'>): SourceAdapter {
  return {
    ...adapter,
    format: 'csv',
    async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
      const split = options.split ?? splitFromPath(options.path, 'train');
      for await (const event of readCsvObjects({ ...options, requiredColumns: columns })) {
        if (event.type === 'bad-row') {
          yield sourceDrop('csv-column-count', options.path, { line: event.line }, event.detail);
          continue;
        }
        const {
          question,
          create_table_statement: schema,
          sql_query: sql,
        } = event.row as Record<(typeof columns)[number], string>;
        yield sourceRecord(adapter, split, event.line, { question, schema, sql, dialect: 'postgres' });
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
    { path: 'train.csv', split: 'train' },
    { path: 'dev.csv', split: 'dev' },
  ],
});

/** kaxap/pg-gpt4SQL-sql-instructions-1k: GPT-4 written PostgreSQL over WikiSQL tables. Non-commercial. */
export const pgGpt4SqlSource = pgSqlInstructions({
  name: 'pg-gpt4SQL-sql-instructions-1k',
  repository: 'kaxap/pg-gpt4SQL-sql-instructions-1k',
  licence: 'cc-by-nc-4.0',
  files: [{ path: 'train.csv', split: 'train' }],
});
