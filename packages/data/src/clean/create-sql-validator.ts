import type { DatasetRecord, DropReason } from '../sources/dataset-record.js';
import { PostgresValidator } from './postgres-validator.js';
import { SqliteValidator } from './sqlite-validator.js';

export type SqlValidation =
  | { ok: true; sql: string; validated: boolean }
  | {
      ok: false;
      reason: Extract<DropReason, 'invalid-schema' | 'invalid-sql' | 'multiple-statements'>;
      detail: string;
    };

export interface SqlValidator {
  /** Checks the record's SQL against its own schema; SQLite-dialect SQL comes back with double-quoted strings made single-quoted. */
  validate(record: DatasetRecord): Promise<SqlValidation>;
  /** The same for many records, in order; PostgreSQL records are checked in a few round trips per batch. */
  validateBatch(records: readonly DatasetRecord[]): Promise<SqlValidation[]>;
  close(): Promise<void>;
}

export interface CreateSqlValidatorOptions {
  /** PostgreSQL schemas kept in the database before it starts afresh. 20,000 by default. */
  cacheSize?: number;
}

/**
 * Validates each SQL against its own schema in a real database: an in-memory SQLite (better-sqlite3,
 * `prepare` compiles without running) for SQLite-style sources, an embedded PostgreSQL (PGlite, `describeQuery`
 * parses and plans without running) for the PostgreSQL-dialect ones. Each distinct schema is created once.
 */
export function createSqlValidator(options: CreateSqlValidatorOptions = {}): SqlValidator {
  const sqlite = new SqliteValidator();
  const postgres = new PostgresValidator({ cacheSize: options.cacheSize ?? 20_000 });

  async function validateBatch(records: readonly DatasetRecord[]): Promise<SqlValidation[]> {
    const results: SqlValidation[] = new Array(records.length);
    const postgresIndices: number[] = [];
    for (const [index, record] of records.entries()) {
      if (record.task !== 'text-to-sql' || record.schema === '')
        results[index] = { ok: true, sql: record.sql, validated: false };
      else if (record.dialect === 'postgres') postgresIndices.push(index);
      else results[index] = sqlite.validate(record);
    }
    if (postgresIndices.length > 0) {
      const postgresResults = await postgres.validate(postgresIndices.map((index) => records[index]!));
      for (const [position, index] of postgresIndices.entries()) results[index] = postgresResults[position]!;
    }
    return results;
  }

  return {
    async validate(record) {
      return (await validateBatch([record]))[0]!;
    },
    validateBatch,
    async close() {
      sqlite.close();
      await postgres.close();
    },
  };
}
