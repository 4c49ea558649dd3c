import { readFileSync } from 'node:fs';
import type { Database, SqlJsStatic, Statement } from 'sql.js';
import type { Row, SqliteValue } from './result-equal.js';
import { skipSqlBlank } from './sql-lexer.js';
import type { QueryOutcome, QuerySession } from './task-runner.js';

// sql.js has these; its published types lack them.
type FullStatement = Statement & {
  getBlob(column: number): Uint8Array;
  get(params: null, config: { useBigInt: boolean }): SqliteValue[];
};
type StatementIterator = ReturnType<Database['iterateStatements']> & { return(): unknown };

const readOnlyKeyword = /(?:select|with|values)\b/iy;

/** A statement that can only read: SELECT, WITH or VALUES first (after parentheses, whitespace and comments). */
export function readsOnly(sql: string): boolean {
  readOnlyKeyword.lastIndex = skipSqlBlank(sql, 0, '(');
  return readOnlyKeyword.test(sql);
}

// Python decodes text with errors="ignore"; sql.js substitutes U+FFFD. Drop the substitutes unless the bytes
// really hold U+FFFD.
function readText(statement: FullStatement, column: number, text: string): string {
  if (!text.includes('\uFFFD')) return text;
  const bytes = statement.getBlob(column);
  return Buffer.from(bytes).includes(Buffer.from([0xef, 0xbf, 0xbd])) ? text : text.replaceAll('\uFFFD', '');
}

/**
 * The databases one worker has open: in-memory copies of the files (so no query can write to disk), opened
 * with `query_only`, and reopened from the pristine bytes after any statement that is not a plain query, so
 * one prediction cannot change what the next one sees.
 */
export class DatabaseSession implements QuerySession {
  private readonly databases = new Map<string, { bytes: Uint8Array; database: Database }>();

  constructor(private readonly engine: SqlJsStatic) {}

  open(path: string): void {
    this.database(path);
  }

  private database(path: string): Database {
    let entry = this.databases.get(path);
    if (entry === undefined) {
      const bytes = new Uint8Array(readFileSync(path));
      entry = { bytes, database: this.connect(bytes) };
      this.databases.set(path, entry);
    }
    return entry.database;
  }

  private connect(bytes: Uint8Array): Database {
    const database = new this.engine.Database(bytes);
    database.exec('PRAGMA query_only = 1; PRAGMA temp_store = MEMORY;');
    return database;
  }

  private reopen(path: string): void {
    const entry = this.databases.get(path);
    if (entry === undefined) return;
    entry.database.close();
    entry.database = this.connect(entry.bytes);
  }

  /** Runs one statement as Python's `cursor.execute` + `fetchall` would, keeping at most `maxRows` rows. */
  run(path: string, query: string, maxRows: number): QueryOutcome {
    const database = this.database(path);
    let statements: StatementIterator | undefined;
    try {
      statements = database.iterateStatements(query) as StatementIterator;
      const first = statements.next();
      if (first.done === true) return { ok: true, columns: [], rows: [], complete: true };
      const rest = statements.getRemainingSQL();
      if (skipSqlBlank(rest, 0, '') < rest.length)
        return { ok: false, error: 'You can only execute one statement at a time.' };
      const statement = first.value as FullStatement;
      const rows: Row[] = [];
      while (rows.length < maxRows && statement.step()) {
        const values = statement.get(null, { useBigInt: true });
        for (let column = 0; column < values.length; column += 1) {
          const value = values[column];
          if (typeof value === 'string') values[column] = readText(statement, column, value);
        }
        rows.push(values);
      }
      return { ok: true, columns: statement.getColumnNames(), rows, complete: rows.length < maxRows };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    } finally {
      statements?.return();
      if (!readsOnly(query)) this.reopen(path);
    }
  }

  close(): void {
    for (const { database } of this.databases.values()) database.close();
    this.databases.clear();
  }
}
