import type { PGlite } from '@electric-sql/pglite';
import Database from 'better-sqlite3';
import { parseCreateTables, type SchemaTable } from '../schema/parse-create-tables.js';
import type { DatasetRecord, DropReason } from '../sources/dataset-record.js';

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

type PostgresEntry = { schema: 'public' } | { error: string };

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

function schemaStatements(schema: string): string[] {
  const statements = parseCreateTables(schema).map((table) => table.statement);
  return statements.length > 0 ? statements : [schema];
}

/**
 * Whether `sql` must be checked on its own rather than inside a batched `PREPARE`: a `;` outside quotes
 * (several statements), a comment or a dollar quote could end or hide the PREPARE's statement.
 */
function needsOwnCheck(sql: string): boolean {
  let quote = '';
  for (let index = 0; index < sql.length; index++) {
    const character = sql[index]!;
    if (quote !== '') {
      if (character === quote) quote = '';
    } else if (character === "'" || character === '"') quote = character;
    else if (
      character === ';' ||
      character === '$' ||
      (character === '-' && sql[index + 1] === '-') ||
      (character === '/' && sql[index + 1] === '*')
    )
      return true;
  }
  return quote !== '';
}

/**
 * Rewrites double-quoted tokens that name no table or column into single-quoted string literals.
 * Our better-sqlite3 is built with SQLITE_DQS=0, so `WHERE name = "John"` (common in sql-create-context and
 * Text-to-sql-v1) is "no such column" rather than SQLite's legacy string fallback. Rewriting keeps those
 * records, and leaves standard SQL in the output that PostgreSQL and every other engine also read.
 */
export function rewriteDoubleQuotedStrings(sql: string, identifiers: ReadonlySet<string>): string {
  let result = '';
  let index = 0;
  while (index < sql.length) {
    const character = sql[index]!;
    if (character === "'" || character === '`' || character === '[') {
      const close = character === '[' ? ']' : character;
      let end = index + 1;
      for (;;) {
        end = sql.indexOf(close, end);
        if (end === -1 || close !== "'" || sql[end + 1] !== "'") break;
        end += 2;
      }
      end = end === -1 ? sql.length : end + 1;
      result += sql.slice(index, end);
      index = end;
    } else if (character === '"') {
      let end = index + 1;
      let content = '';
      for (;;) {
        const next = sql.indexOf('"', end);
        if (next === -1) return result + sql.slice(index);
        content += sql.slice(end, next);
        if (sql[next + 1] === '"') {
          content += '"';
          end = next + 2;
        } else {
          end = next + 1;
          break;
        }
      }
      result += identifiers.has(content.toLowerCase()) ? sql.slice(index, end) : `'${content.replaceAll("'", "''")}'`;
      index = end;
    } else {
      result += character;
      index++;
    }
  }
  return result;
}

/**
 * Validates each SQL against its own schema in a real database: an in-memory SQLite (better-sqlite3,
 * `prepare` compiles without running) for SQLite-style sources, an embedded PostgreSQL (PGlite, `describeQuery`
 * parses and plans without running) for the PostgreSQL-dialect ones. Each distinct schema is created once.
 */
export function createSqlValidator(options: CreateSqlValidatorOptions = {}): SqlValidator {
  const cacheSize = options.cacheSize ?? 20_000;
  const postgres = new Map<string, PostgresEntry>();
  // Which schema (DDL text) created each relation name now in the database.
  const postgresRelations = new Map<string, string>();
  let postgresDatabase: Promise<PGlite> | undefined;

  // One in-memory database; a schema lives in an open transaction until a record with another schema comes.
  // Creating tables in a transaction and rolling back is cheaper than a database per schema, and needs no cache.
  let sqliteDatabase: Database.Database | undefined;
  let sqliteSchema: { schema: string; error?: string; identifiers?: Set<string> } | undefined;

  function useSqliteSchema(schema: string): NonNullable<typeof sqliteSchema> {
    if (sqliteSchema?.schema === schema) return sqliteSchema;
    sqliteDatabase ??= new Database(':memory:');
    if (sqliteDatabase.inTransaction) sqliteDatabase.exec('ROLLBACK');
    sqliteDatabase.exec('BEGIN');
    sqliteSchema = { schema };
    try {
      for (const statement of schemaStatements(schema)) sqliteDatabase.exec(statement);
    } catch (error) {
      sqliteSchema.error = message(error);
    }
    return sqliteSchema;
  }

  function sqliteIdentifiers(entry: NonNullable<typeof sqliteSchema>): Set<string> {
    if (entry.identifiers !== undefined) return entry.identifiers;
    const identifiers = new Set<string>();
    for (const table of parseCreateTables(entry.schema)) {
      identifiers.add(table.name.toLowerCase());
      for (const column of table.columns) identifiers.add(column.name.toLowerCase());
    }
    entry.identifiers = identifiers;
    return identifiers;
  }

  // The fast path: an empty connection compiles the CREATE TABLEs (syntax only, nothing runs) and the query
  // with the schema as CTEs in front, with no DDL executed. What fails there takes the exact path.
  let sqliteFastDatabase: Database.Database | undefined;
  let sqliteFastSchema: { schema: string; ctes?: string; identifiers: Set<string> } | undefined;

  function sqliteFast(record: DatasetRecord): SqlValidation | undefined {
    if (sqliteFastSchema?.schema !== record.schema) {
      sqliteFastDatabase ??= new Database(':memory:');
      const tables = parseCreateTables(record.schema);
      const identifiers = new Set<string>();
      let ctes: string | undefined;
      try {
        if (tables.length === 0 || tables.some((table) => table.columns.length === 0)) throw new Error('not parsed');
        for (const table of tables) sqliteFastDatabase.prepare(table.statement);
        const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
        ctes = tables
          .map(
            (table) =>
              `${quote(table.name)}(${table.columns.map((column) => quote(column.name)).join(', ')}) AS (SELECT ${table.columns.map(() => 'NULL').join(', ')})`,
          )
          .join(', ');
        for (const table of tables) {
          identifiers.add(table.name.toLowerCase());
          for (const column of table.columns) identifiers.add(column.name.toLowerCase());
        }
      } catch {
        ctes = undefined;
      }
      sqliteFastSchema = { schema: record.schema, ...(ctes === undefined ? {} : { ctes }), identifiers };
    }
    const { ctes, identifiers } = sqliteFastSchema;
    if (ctes === undefined || needsOwnCheck(record.sql)) return undefined;
    const sql = record.sql.includes('"') ? rewriteDoubleQuotedStrings(record.sql, identifiers) : record.sql;
    const trimmed = sql.trimStart();
    const leading = /^with\s+(recursive\s+)?/i.exec(trimmed);
    const wrapped = /^select\b/i.test(trimmed)
      ? `WITH ${ctes} ${trimmed}`
      : leading
        ? `WITH ${leading[1] ?? ''}${ctes}, ${trimmed.slice(leading[0].length)}`
        : undefined;
    if (wrapped === undefined) return undefined;
    try {
      sqliteFastDatabase!.prepare(wrapped);
      return { ok: true, sql, validated: true };
    } catch {
      return undefined;
    }
  }

  function validateSqlite(record: DatasetRecord): SqlValidation {
    const fast = sqliteFast(record);
    if (fast !== undefined) return fast;
    const entry = useSqliteSchema(record.schema);
    if (entry.error !== undefined) return { ok: false, reason: 'invalid-schema', detail: entry.error };
    const sql = record.sql.includes('"')
      ? rewriteDoubleQuotedStrings(record.sql, sqliteIdentifiers(entry))
      : record.sql;
    try {
      sqliteDatabase!.prepare(sql);
      return { ok: true, sql, validated: true };
    } catch (error) {
      const text = message(error);
      return {
        ok: false,
        reason: /more than one statement/.test(text) ? 'multiple-statements' : 'invalid-sql',
        detail: text,
      };
    }
  }

  /**
   * A schema becomes views, not tables: `CREATE VIEW "t" AS SELECT NULL::text AS "a", …` has the same names
   * and types for parse analysis, but PGlite creates it about 3x faster (no storage, no TOAST table), and
   * creating relations dominates validation time. DDL the parser cannot read runs as written.
   */
  const postgresViewsCache = new Map<string, ReturnType<typeof postgresViewsOf>>();
  function postgresViews(schema: string): ReturnType<typeof postgresViewsOf> {
    let views = postgresViewsCache.get(schema);
    if (views === undefined) {
      if (postgresViewsCache.size >= 4096) postgresViewsCache.clear();
      views = postgresViewsOf(schema);
      postgresViewsCache.set(schema, views);
    }
    return views;
  }

  function postgresViewsOf(schema: string): { names: string[]; sql: string; ctes?: string } {
    const tables = parseCreateTables(schema);
    if (tables.length === 0 || tables.some((table) => table.columns.length === 0)) return { names: [], sql: schema };
    // Unquoted names fold to lower case in PostgreSQL; quoting them keeps that meaning.
    const identifier = (name: string, quoted: boolean) =>
      `"${(quoted ? name : name.toLowerCase()).replaceAll('"', '""')}"`;
    const casts = (table: SchemaTable) => table.columns.map((column) => `NULL::${column.type || 'text'}`);
    return {
      names: tables.map((table) => (table.quoted ? table.name : table.name.toLowerCase())),
      sql: tables
        .map(
          (table) =>
            `CREATE VIEW ${identifier(table.name, table.quoted)} AS SELECT ${casts(table)
              .map(
                (cast, index) => `${cast} AS ${identifier(table.columns[index]!.name, table.columns[index]!.quoted)}`,
              )
              .join(', ')};`,
        )
        .join('\n'),
      ctes: tables
        .map(
          (table) =>
            `${identifier(table.name, table.quoted)}(${table.columns.map((column) => identifier(column.name, column.quoted)).join(', ')}) AS (SELECT ${casts(table).join(', ')})`,
        )
        .join(', '),
    };
  }

  /**
   * The query with its schema as common table expressions in front (`WITH "t"("a") AS (SELECT NULL::text) …`):
   * name resolution and types as with real tables, but no DDL at all. Only for SELECT and WITH queries.
   */
  function withSchema(record: DatasetRecord): string | undefined {
    const { ctes } = postgresViews(record.schema);
    if (ctes === undefined || needsOwnCheck(record.sql)) return undefined;
    const sql = record.sql.trimStart();
    if (/^select\b/i.test(sql)) return `WITH ${ctes} ${sql}`;
    const leading = /^with\s+(recursive\s+)?/i.exec(sql);
    return leading ? `WITH ${leading[1] ?? ''}${ctes}, ${sql.slice(leading[0].length)}` : undefined;
  }

  /**
   * Checks many schema-wrapped queries with `PREPARE …; DEALLOCATE ALL` round trips, halving a chunk that
   * fails until each failure is alone; returns the indices that passed. Failures go on to the exact path.
   */
  async function prepareAll(pg: PGlite, statements: { index: number; sql: string }[]): Promise<number[]> {
    if (statements.length === 0) return [];
    try {
      await pg.exec(
        `${statements.map((statement, position) => `PREPARE aquila_check_${position} AS ${statement.sql};`).join('\n')}\nDEALLOCATE ALL;`,
      );
      return statements.map((statement) => statement.index);
    } catch {
      // Prepared statements are not transactional: clear what the failed round trip prepared.
      await pg.exec('DEALLOCATE ALL');
      if (statements.length === 1) return [];
      const half = Math.ceil(statements.length / 2);
      return [...(await prepareAll(pg, statements.slice(0, half))), ...(await prepareAll(pg, statements.slice(half)))];
    }
  }

  async function postgresEntry(pg: PGlite, schema: string): Promise<PostgresEntry> {
    const cached = postgres.get(schema);
    if (cached !== undefined) return cached;
    if (postgres.size >= cacheSize) {
      // Start afresh rather than dropping relations one by one: one round trip.
      await pg.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      postgres.clear();
      postgresRelations.clear();
    }
    const { names, sql } = postgresViews(schema);
    // Relations another schema created under the same names go first, in the same round trip.
    const clashes = names.flatMap((name) => {
      const owner = postgresRelations.get(name.toLowerCase());
      return owner !== undefined && owner !== schema ? [owner] : [];
    });
    for (const owner of clashes) postgres.delete(owner);
    const drops = names
      .map(
        (name) =>
          `DROP VIEW IF EXISTS "${name.replaceAll('"', '""')}" CASCADE; DROP TABLE IF EXISTS "${name.replaceAll('"', '""')}" CASCADE;`,
      )
      .join('');
    let entry: PostgresEntry = { schema: 'public' };
    // Views first; if the parsed columns do not make valid views, the DDL as written decides.
    for (const attempt of sql === schema ? [schema] : [sql, schema]) {
      try {
        // One simple query runs as one implicit transaction: it fails whole, leaving nothing behind.
        await pg.exec(`${clashes.length > 0 ? drops : ''}${attempt}`);
        entry = { schema: 'public' };
        break;
      } catch (error) {
        entry = { error: message(error) };
      }
    }
    if (!('error' in entry)) for (const name of names) postgresRelations.set(name.toLowerCase(), schema);
    postgres.set(schema, entry);
    return entry;
  }

  function openPostgres(): Promise<PGlite> {
    postgresDatabase ??= import('@electric-sql/pglite').then(({ PGlite }) => PGlite.create());
    return postgresDatabase;
  }

  async function describePostgres(pg: PGlite, record: DatasetRecord): Promise<SqlValidation> {
    try {
      await pg.describeQuery(record.sql);
      return { ok: true, sql: record.sql, validated: true };
    } catch (error) {
      const text = message(error);
      // Views stand in for tables; PostgreSQL raises this only after names and types have checked out.
      if (/^cannot (insert into|update|delete from) view/.test(text))
        return { ok: true, sql: record.sql, validated: true };
      return {
        ok: false,
        reason: /multiple commands/.test(text) ? 'multiple-statements' : 'invalid-sql',
        detail: text,
      };
    }
  }

  const relationNames = new Map<string, string[]>();
  function namesOf(schema: string): string[] {
    let names = relationNames.get(schema);
    if (names === undefined) {
      names = postgresViews(schema).names.map((name) => name.toLowerCase());
      if (relationNames.size > cacheSize) relationNames.clear();
      relationNames.set(schema, names);
    }
    return names;
  }

  /**
   * Validates PostgreSQL records a run at a time, where a run's schemas share no relation name: the run's
   * new schemas are created in one round trip and its queries checked by one `PREPARE …; DEALLOCATE ALL`
   * round trip (PGlite's per-call cost dominates otherwise). A failing round trip falls back to one call per
   * schema or query, to find which one failed and why.
   */
  async function validatePostgresRun(pg: PGlite, records: DatasetRecord[]): Promise<SqlValidation[]> {
    const fresh = [...new Set(records.map((record) => record.schema))].filter((schema) => !postgres.has(schema));
    if (postgres.size + fresh.length > cacheSize) {
      // Start afresh rather than dropping relations one by one: one round trip.
      await pg.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      postgres.clear();
      postgresRelations.clear();
      fresh.splice(0, fresh.length, ...new Set(records.map((record) => record.schema)));
    }
    if (fresh.length > 1) {
      const statements = fresh.map((schema) => {
        const { names, sql } = postgresViews(schema);
        const drops = names
          .filter((name) => postgresRelations.has(name.toLowerCase()))
          .map(
            (name) =>
              `DROP VIEW IF EXISTS "${name.replaceAll('"', '""')}" CASCADE; DROP TABLE IF EXISTS "${name.replaceAll('"', '""')}" CASCADE;`,
          );
        return `${drops.join('')}${sql}`;
      });
      try {
        await pg.exec(statements.join('\n'));
        for (const schema of fresh) {
          for (const name of namesOf(schema)) {
            const owner = postgresRelations.get(name);
            if (owner !== undefined && owner !== schema) postgres.delete(owner);
            postgresRelations.set(name, schema);
          }
          postgres.set(schema, { schema: 'public' });
        }
      } catch {
        // One of them is invalid: the one-by-one path below finds which.
      }
    }
    const results: (SqlValidation | undefined)[] = [];
    const batched: number[] = [];
    for (const [index, record] of records.entries()) {
      const entry = await postgresEntry(pg, record.schema);
      if ('error' in entry) results[index] = { ok: false, reason: 'invalid-schema', detail: entry.error };
      else if (needsOwnCheck(record.sql)) results[index] = await describePostgres(pg, record);
      else batched.push(index);
    }
    if (batched.length > 0) {
      try {
        await pg.exec(
          `${batched.map((index, position) => `PREPARE aquila_check_${position} AS ${records[index]!.sql};`).join('\n')}\nDEALLOCATE ALL;`,
        );
        for (const index of batched) results[index] = { ok: true, sql: records[index]!.sql, validated: true };
      } catch {
        // Prepared statements are not transactional: clear what the failed round trip prepared.
        await pg.exec('DEALLOCATE ALL');
        for (const index of batched) results[index] = await describePostgres(pg, records[index]!);
      }
    }
    return results as SqlValidation[];
  }

  async function validatePostgres(records: DatasetRecord[]): Promise<SqlValidation[]> {
    const pg = await openPostgres();
    // Fast path: schema as CTEs, no DDL. What fails there (or cannot be wrapped) takes the exact path below,
    // so every verdict and reason comes from real relations.
    const wrapped = records.flatMap((record, index) => {
      const sql = withSchema(record);
      return sql === undefined ? [] : [{ index, sql }];
    });
    const passed = new Set(await prepareAll(pg, wrapped));
    const rest = records.filter((_, index) => !passed.has(index));
    const restResults = await validateExactly(pg, rest);
    let next = 0;
    return records.map((record, index) =>
      passed.has(index) ? { ok: true, sql: record.sql, validated: true } : restResults[next++]!,
    );
  }

  async function validateExactly(pg: PGlite, records: DatasetRecord[]): Promise<SqlValidation[]> {
    const results: SqlValidation[] = [];
    let run: DatasetRecord[] = [];
    let owners = new Map<string, string>();
    for (const record of records) {
      const names = namesOf(record.schema);
      if (names.some((name) => owners.has(name) && owners.get(name) !== record.schema)) {
        results.push(...(await validatePostgresRun(pg, run)));
        run = [];
        owners = new Map();
      }
      for (const name of names) owners.set(name, record.schema);
      run.push(record);
    }
    if (run.length > 0) results.push(...(await validatePostgresRun(pg, run)));
    return results;
  }

  async function validateBatch(records: readonly DatasetRecord[]): Promise<SqlValidation[]> {
    const results: SqlValidation[] = new Array(records.length);
    const postgresIndices: number[] = [];
    for (const [index, record] of records.entries()) {
      if (record.task !== 'text-to-sql' || record.schema === '')
        results[index] = { ok: true, sql: record.sql, validated: false };
      else if (record.dialect === 'postgres') postgresIndices.push(index);
      else results[index] = validateSqlite(record);
    }
    if (postgresIndices.length > 0) {
      const postgresResults = await validatePostgres(postgresIndices.map((index) => records[index]!));
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
      sqliteDatabase?.close();
      sqliteDatabase = undefined;
      sqliteSchema = undefined;
      sqliteFastDatabase?.close();
      sqliteFastDatabase = undefined;
      sqliteFastSchema = undefined;
      postgres.clear();
      if (postgresDatabase !== undefined) await (await postgresDatabase).close();
      postgresDatabase = undefined;
    },
  };
}
