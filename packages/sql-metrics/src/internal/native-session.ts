import type BetterSqlite3 from 'better-sqlite3';
import { builtInNames, unquoteStrings } from '../unquote-strings.js';
import { readsOnly } from './database-session.js';
import type { Row, SqliteValue } from './result-equal.js';
import type { QueryOutcome, QuerySession } from './task-runner.js';

const finalSemicolon = /;\s*$/;

/** This query's result on native SQLite might differ from sql.js's: the task goes to sql.js instead. */
export class NativeFallback extends Error {}

// A statement ready to run, what its preparation failed with, or that it must run on sql.js.
type Prepared =
  | { statement: BetterSqlite3.Statement; columns: string[]; quotedNames: boolean }
  | { error: string }
  | typeof fallback;
const fallback = 'fallback';

interface OpenDatabase {
  database: BetterSqlite3.Database;
  names: ReadonlySet<string>;
  // By SQL as given, the least recently used dropped first: a query asked for again (a vote's candidates across
  // questions, a gold query) is neither lexed nor prepared again.
  statements: Map<string, Prepared>;
}

const mostStatements = 256;

/**
 * Native SQLite (better-sqlite3) where its result is provably sql.js's: one plain read-only statement (no `;` but
 * a final one, so Python's "one statement at a time" cannot differ), double-quoted strings rewritten only where DQS is certain
 * (see unquote-strings.ts), text without U+FFFD (Python drops undecodable bytes). Everything else throws
 * {@link NativeFallback}. Files are opened read-only with `query_only`; writing statements never get here.
 */
export class NativeSession implements QuerySession {
  private readonly databases = new Map<string, OpenDatabase>();

  constructor(private readonly Driver: typeof BetterSqlite3) {}

  open(path: string): void {
    this.database(path);
  }

  private database(path: string): OpenDatabase {
    let entry = this.databases.get(path);
    if (entry === undefined) {
      const database = new this.Driver(path, { readonly: true, fileMustExist: true });
      database.pragma('query_only = 1');
      database.defaultSafeIntegers(true);
      const rows = database
        .prepare(
          "SELECT m.name, p.name FROM sqlite_schema AS m LEFT JOIN pragma_table_xinfo(m.name) AS p WHERE m.type IN ('table', 'view')",
        )
        .raw(true)
        .all() as (string | null)[][];
      const names = new Set(builtInNames);
      for (const row of rows) for (const name of row) if (name !== null) names.add(name.toLowerCase());
      entry = { database, names, statements: new Map() };
      this.databases.set(path, entry);
    }
    return entry;
  }

  private prepare(entry: OpenDatabase, sql: string): Prepared {
    // One final `;` ends the only statement; any other `;` may start a second one, which sql.js rejects as Python does.
    const query = sql.replace(finalSemicolon, '');
    if (query.includes(';') || !readsOnly(query)) return fallback;
    const unquoted = unquoteStrings({ sql: query, names: entry.names });
    if (unquoted === undefined) return fallback;
    try {
      const statement = entry.database.prepare(unquoted.sql);
      if (!statement.reader) return fallback;
      const columns = statement.columns().map((column) => column.name);
      // An expression's column name is its text, which the rewrite of a string changed.
      if (unquoted.sql !== query && columns.some((name) => name.includes("'"))) return fallback;
      return { statement: statement.raw(true), columns, quotedNames: unquoted.quotedNames };
    } catch (error) {
      // Without a double-quoted name left in the query, SQLite's error is the same whatever the DQS setting.
      if (unquoted.quotedNames) return fallback;
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  run(path: string, sql: string, maxRows: number): QueryOutcome {
    const entry = this.database(path);
    let prepared = entry.statements.get(sql);
    if (prepared === undefined) {
      prepared = this.prepare(entry, sql);
      if (entry.statements.size >= mostStatements)
        entry.statements.delete(entry.statements.keys().next().value as string);
    } else entry.statements.delete(sql);
    entry.statements.set(sql, prepared);
    if (prepared === fallback) throw new NativeFallback();
    if ('error' in prepared) return { ok: false, error: prepared.error };
    const rows: Row[] = [];
    try {
      if (maxRows > 0) {
        for (const row of prepared.statement.iterate() as IterableIterator<SqliteValue[]>) {
          for (const value of row)
            if (typeof value === 'string' && value.includes('\uFFFD')) throw new NativeFallback();
          rows.push(row);
          if (rows.length >= maxRows) break;
        }
      }
    } catch (error) {
      if (error instanceof NativeFallback || prepared.quotedNames) throw new NativeFallback();
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    return { ok: true, columns: prepared.columns, rows, complete: rows.length < maxRows };
  }

  close(): void {
    for (const { database } of this.databases.values()) database.close();
    this.databases.clear();
  }
}
