import { parseCreateTables, type SchemaTable } from '@aquila/prompts';
import { unquoteStrings } from '@aquila/sql-metrics';
import Database from 'better-sqlite3';
import type { DatasetRecord } from '../sources/dataset-record.js';
import type { SqlValidation } from './create-sql-validator.js';
import { errorLine, needsOwnCheck, withSchemaCtes } from './sql-check.js';

// A schema created in the exact path's database: its error, or (once a query with double quotes needs them) its names.
interface CreatedSchema {
  schema: string;
  error?: string;
  names?: Set<string>;
}

// A schema on the fast path: its tables as CTEs, undefined where they did not parse or compile.
interface CompiledSchema {
  schema: string;
  ctes?: string;
  names: Set<string>;
}

function schemaStatements(schema: string): string[] {
  const statements = parseCreateTables(schema).map((table) => table.statement);
  return statements.length > 0 ? statements : [schema];
}

// Table and column names in lower case: a double-quoted token naming one of them is a name, not a string.
function schemaNames(tables: readonly SchemaTable[]): Set<string> {
  const names = new Set<string>();
  for (const table of tables) {
    names.add(table.name.toLowerCase());
    for (const column of table.columns) names.add(column.name.toLowerCase());
  }
  return names;
}

// `"t"("a", "b") AS (SELECT NULL, NULL)` for each table.
function schemaCtes(tables: readonly SchemaTable[]): string {
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  return tables
    .map(
      (table) =>
        `${quote(table.name)}(${table.columns.map((column) => quote(column.name)).join(', ')}) AS (SELECT ${table.columns.map(() => 'NULL').join(', ')})`,
    )
    .join(', ');
}

/**
 * `sql` with its double-quoted strings in single quotes. Our better-sqlite3 is built with SQLITE_DQS=0, so
 * `WHERE name = "John"` (common in sql-create-context and Text-to-sql-v1) is "no such column" rather than SQLite's
 * legacy string fallback. Rewriting keeps those records, and leaves standard SQL in the output that PostgreSQL and
 * every other engine also read. A query where a string cannot be told from a name stays as written.
 */
function singleQuoted(sql: string, names: ReadonlySet<string>): string {
  return unquoteStrings({ sql, names })?.sql ?? sql;
}

/**
 * Checks SQLite-dialect SQL in an in-memory SQLite (better-sqlite3: `prepare` compiles without running): first on
 * the fast path, the schema as CTEs; what fails there, or cannot take it, against the schema's real tables.
 */
export class SqliteValidator {
  // One in-memory database; a schema lives in an open transaction until a record with another schema comes.
  // Creating tables in a transaction and rolling back is cheaper than a database per schema, and needs no cache.
  private database: Database.Database | undefined;
  private created: CreatedSchema | undefined;
  // The fast path: an empty connection compiles the CREATE TABLEs (syntax only, nothing runs) and the query
  // with the schema as CTEs in front, with no DDL executed. What fails there takes the exact path.
  private fastDatabase: Database.Database | undefined;
  private compiled: CompiledSchema | undefined;

  validate(record: DatasetRecord): SqlValidation {
    const fast = this.validateFast(record);
    if (fast !== undefined) return fast;
    const entry = this.create(record.schema);
    if (entry.error !== undefined) return { ok: false, reason: 'invalid-schema', detail: entry.error };
    const sql = record.sql.includes('"') ? singleQuoted(record.sql, this.namesOf(entry)) : record.sql;
    try {
      this.database!.prepare(sql);
      return { ok: true, sql, validated: true };
    } catch (error) {
      const text = errorLine(error);
      return {
        ok: false,
        reason: /more than one statement/.test(text) ? 'multiple-statements' : 'invalid-sql',
        detail: text,
      };
    }
  }

  close(): void {
    this.database?.close();
    this.database = undefined;
    this.created = undefined;
    this.fastDatabase?.close();
    this.fastDatabase = undefined;
    this.compiled = undefined;
  }

  // A verdict from the fast path where the query passes there; undefined sends it to the exact path.
  private validateFast(record: DatasetRecord): SqlValidation | undefined {
    const { ctes, names } = this.compile(record.schema);
    if (ctes === undefined || needsOwnCheck(record.sql)) return undefined;
    const sql = record.sql.includes('"') ? singleQuoted(record.sql, names) : record.sql;
    const wrapped = withSchemaCtes(sql, ctes);
    if (wrapped === undefined) return undefined;
    try {
      this.fastDatabase!.prepare(wrapped);
      return { ok: true, sql, validated: true };
    } catch {
      return undefined;
    }
  }

  private compile(schema: string): CompiledSchema {
    if (this.compiled?.schema === schema) return this.compiled;
    this.fastDatabase ??= new Database(':memory:');
    const tables = parseCreateTables(schema);
    try {
      if (tables.length === 0 || tables.some((table) => table.columns.length === 0)) throw new Error('not parsed');
      for (const table of tables) this.fastDatabase.prepare(table.statement);
      this.compiled = { schema, ctes: schemaCtes(tables), names: schemaNames(tables) };
    } catch {
      this.compiled = { schema, names: new Set() };
    }
    return this.compiled;
  }

  private create(schema: string): CreatedSchema {
    if (this.created?.schema === schema) return this.created;
    this.database ??= new Database(':memory:');
    if (this.database.inTransaction) this.database.exec('ROLLBACK');
    this.database.exec('BEGIN');
    const created: CreatedSchema = { schema };
    this.created = created;
    try {
      for (const statement of schemaStatements(schema)) this.database.exec(statement);
    } catch (error) {
      created.error = errorLine(error);
    }
    return created;
  }

  // Parsed once per schema, and only for a query with double quotes.
  private namesOf(entry: CreatedSchema): Set<string> {
    entry.names ??= schemaNames(parseCreateTables(entry.schema));
    return entry.names;
  }
}
