import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';

let engine: Promise<SqlJsStatic> | undefined;

/** The sql.js module (SQLite compiled to WebAssembly), loaded once per thread. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  engine ??= initSqlJs();
  return engine;
}

/** Opens an in-memory copy of a SQLite file's bytes: nothing done to it reaches the file. */
export async function openDatabaseCopy(bytes: Uint8Array): Promise<Database> {
  const sql = await loadSqlJs();
  return new sql.Database(bytes);
}
