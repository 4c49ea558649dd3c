import { readFile } from 'node:fs/promises';
import { SchemaError } from './errors.js';
import { readSqliteSchema } from './internal/read-sqlite-schema.js';
import { openDatabaseCopy } from './internal/sql-js.js';
import { createSchema, type SpiderSchema } from './schema.js';

export interface SchemaFromSqliteOptions {
  /** Path of the `.sqlite` file (read, never written). */
  path: string;
  /** Foreign-key map from tables.json (`foreignKeyMap(entry)`); the file has none in Spider's sense. */
  foreignKeyMap?: ReadonlyMap<string, string>;
}

/**
 * Reads a schema the way Spider's evaluator does: `sqlite_master` tables, `PRAGMA table_info` columns,
 * lower-cased. Plain files are read directly (sqlite_master and each CREATE TABLE); others through SQLite.
 */
export async function schemaFromSqlite(options: SchemaFromSqliteOptions): Promise<SpiderSchema> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.path);
  } catch (error) {
    throw new SchemaError(
      `cannot read database ${options.path}: ${(error as Error).message}; check the --db folder holds <db_id>/<db_id>.sqlite`,
      { cause: error },
    );
  }
  const foreignKeys = options.foreignKeyMap === undefined ? {} : { foreignKeyMap: options.foreignKeyMap };
  // Reading the file directly is much cheaper than starting SQLite; files it does not handle go to SQLite.
  const direct = readSqliteSchema(bytes);
  if (direct !== undefined) return createSchema({ tables: direct, ...foreignKeys });
  let database: Awaited<ReturnType<typeof openDatabaseCopy>> | undefined;
  try {
    database = await openDatabaseCopy(bytes);
    const tables: [string, string[]][] = [];
    const names = database.exec("SELECT name FROM sqlite_master WHERE type='table';")[0]?.values ?? [];
    for (const [name] of names) {
      const table = String(name).toLowerCase();
      const columns = database.exec(`PRAGMA table_info('${table}')`)[0]?.values ?? [];
      tables.push([table, columns.map((column) => String(column[1]))]);
    }
    return createSchema({ tables, ...foreignKeys });
  } catch (error) {
    if (SchemaError.isInstance(error)) throw error;
    throw new SchemaError(
      `cannot read the schema of ${options.path}: ${String((error as Error).message ?? error)}; is it a SQLite database?`,
      { cause: error },
    );
  } finally {
    database?.close();
  }
}
