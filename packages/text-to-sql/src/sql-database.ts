import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import {
  createSchema,
  ExecutionPool,
  type ExecutionVerdict,
  type QueryRows,
  type SpiderSchema,
} from '@aquila/sql-metrics';
import type { SqlJsStatic } from 'sql.js';
import { DatabaseOpenError, QueryExecutionError, WriteRefusedError } from './errors.js';
import { positiveInteger } from './internal/positive-integer.js';
import { raceSignal } from './internal/race-signal.js';

/** One column of a table, as `PRAGMA table_info` gives it. */
export interface SqlColumn {
  name: string;
  /** The declared type (may be empty). */
  type: string;
  primaryKey: boolean;
}

/** A foreign key: `column` of this table references `referencedColumn` of `table`. */
export interface SqlForeignKey {
  column: string;
  table: string;
  referencedColumn: string;
}

export interface SqlTable {
  name: string;
  columns: readonly SqlColumn[];
  foreignKeys: readonly SqlForeignKey[];
}

/** A cell: integers as numbers (as strings past 2^53), reals, text, null; blobs as `x'…'` hex literals. JSON-safe. */
export type SqlCell = number | string | null;

export interface QueryResult {
  columns: string[];
  rows: SqlCell[][];
  /** More rows exist than `maxRows`. */
  truncated: boolean;
  elapsedMs: number;
}

export interface OpenSqlDatabaseOptions {
  /** A SQLite file; it is read into memory and never written. */
  file: string;
  /** Default: the file name without its extension. */
  name?: string;
  signal?: AbortSignal;
}

export interface SqlDatabaseFromDdlOptions {
  /** CREATE TABLE (and CREATE INDEX / CREATE VIEW) statements. */
  ddl: string;
  /** Default `ddl`. */
  name?: string;
  signal?: AbortSignal;
}

export interface ExecuteOptions {
  sql: string;
  /** Most rows returned; default 1000. */
  maxRows?: number;
  /** Milliseconds the query may run before its worker is stopped; default 10000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const defaultMaxRows = 1000;
// Execution pools kept open per database (each one child process and one worker thread).
const maxPools = 2;
const defaultTimeoutMs = 10_000;
const schemaRowLimit = 1_000_000;

// Leading blanks, comments and parentheses, then the first keyword.
const firstKeyword = /^(?:[\s(]|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([a-z]+)/i;
const readKeywords = new Set(['select', 'with', 'values']);
// DDL databases: CREATE TABLE/INDEX/VIEW only. Nothing in them runs a query at build time, so building cannot hang.
const ddlStatement =
  /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*create\s+(?:(?:temp|temporary)\s+)?(?:table|(?:unique\s+)?index|view|virtual\s+table)\b/i;
const createTableAs = /^[^(]*\bas\s*\(?\s*(?:select|with|values)\b/i;

// sql.js in this thread builds DDL databases; compiled once per process (a server may build one per request).
let ddlEngineLoading: Promise<SqlJsStatic> | undefined;
function ddlEngine(): Promise<SqlJsStatic> {
  ddlEngineLoading ??= import('sql.js')
    .then(({ default: initSqlJs }) => initSqlJs())
    .catch((error: unknown) => {
      ddlEngineLoading = undefined;
      throw new DatabaseOpenError(`sql.js could not be loaded to build the DDL database: ${(error as Error).message}`, {
        cause: error,
      });
    });
  return ddlEngineLoading;
}

interface PoolEntry {
  pool: ExecutionPool;
  /** Queries running or waiting on it. */
  users: number;
}

const columnsQuery =
  "SELECT m.name, p.name, p.type, p.pk FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.rowid, p.cid";
const foreignKeysQuery =
  'SELECT m.name, k."from", k."table", k."to" FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS k WHERE m.type = \'table\' ORDER BY m.rowid, k.id, k.seq';

/** Tables from the rows of {@link columnsQuery} and {@link foreignKeysQuery}. */
function tablesFromRows(columns: readonly (readonly unknown[])[], keys: readonly (readonly unknown[])[]): SqlTable[] {
  const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
  const tables = new Map<string, { name: string; columns: SqlColumn[]; foreignKeys: SqlForeignKey[] }>();
  for (const [table, name, type, primaryKey] of columns) {
    const key = text(table);
    let entry = tables.get(key);
    if (entry === undefined) {
      entry = { name: key, columns: [], foreignKeys: [] };
      tables.set(key, entry);
    }
    entry.columns.push({ name: text(name), type: text(type), primaryKey: Number(primaryKey) > 0 });
  }
  for (const [table, column, referenced, referencedColumn] of keys) {
    const entry = tables.get(text(table));
    if (entry === undefined) continue;
    // A reference without a column names the referenced table's primary key.
    const target =
      tables.get(text(referenced)) ??
      [...tables.values()].find((candidate) => candidate.name.toLowerCase() === text(referenced).toLowerCase());
    const primary = target?.columns.find((entryColumn) => entryColumn.primaryKey)?.name;
    entry.foreignKeys.push({
      column: text(column),
      table: target?.name ?? text(referenced),
      referencedColumn: referencedColumn === null ? (primary ?? '') : text(referencedColumn),
    });
  }
  return [...tables.values()];
}

function cell(value: QueryRows['rows'][number][number]): SqlCell {
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (value instanceof Uint8Array) return `x'${Buffer.from(value).toString('hex')}'`;
  return value;
}

/**
 * A SQLite database to ask questions of: its tables (for prompts and parse checks) and read-only execution
 * with a row cap and a timeout. Queries run in @aquila/sql-metrics' sql.js worker threads on an in-memory copy
 * opened `query_only`; anything but SELECT / WITH / VALUES is refused before it runs, and a query past its
 * timeout has its worker stopped.
 */
export class SqlDatabase {
  /** Open execution pools by timeout, least recently used first. */
  private readonly pools = new Map<number, PoolEntry>();
  private closingPools = 0;
  private readonly poolFreed: (() => void)[] = [];
  private closed = false;
  private schemaCache: SpiderSchema | undefined;
  tables: readonly SqlTable[] = [];

  private constructor(
    readonly name: string,
    /** The SQLite file queries run on (a temporary file for DDL databases). */
    readonly file: string,
    private readonly temporaryDirectory: string | undefined,
  ) {}

  /** Opens a SQLite file read-only. */
  static async open(options: OpenSqlDatabaseOptions): Promise<SqlDatabase> {
    options.signal?.throwIfAborted();
    let size: number;
    try {
      const info = await stat(options.file);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch (error) {
      throw new DatabaseOpenError(
        `cannot open database ${options.file}: ${(error as Error).message}; give the path of a .sqlite file.`,
        { cause: error },
      );
    }
    if (size === 0)
      throw new DatabaseOpenError(`database ${options.file} is empty (0 bytes); give a SQLite file with tables.`);
    const database = new SqlDatabase(
      options.name ?? basename(options.file, extname(options.file)),
      options.file,
      undefined,
    );
    await database.readTables(options.signal);
    return database;
  }

  /** Builds an in-memory database from CREATE TABLE statements (no rows): queries are checked against the schema and return nothing. */
  static async fromDdl(options: SqlDatabaseFromDdlOptions): Promise<SqlDatabase> {
    options.signal?.throwIfAborted();
    const memory = new (await ddlEngine()).Database();
    let bytes: Uint8Array;
    let tables: SqlTable[];
    try {
      let count = 0;
      for (const statement of memory.iterateStatements(options.ddl)) {
        const text = statement.getSQL();
        if (!ddlStatement.test(text) || createTableAs.test(text.replace(ddlStatement, ''))) {
          statement.free();
          throw new DatabaseOpenError(
            `DDL statement ${count + 1} is not a plain CREATE TABLE, CREATE INDEX or CREATE VIEW: ${JSON.stringify(text.slice(0, 80))}; a DDL database holds only the schema (register a SQLite file for data).`,
          );
        }
        statement.step();
        statement.free();
        count += 1;
      }
      if (count === 0) throw new DatabaseOpenError('the DDL has no statements; give CREATE TABLE statements.');
      const rows = (sql: string): unknown[][] => memory.exec(sql)[0]?.values ?? [];
      tables = tablesFromRows(rows(columnsQuery), rows(foreignKeysQuery));
      bytes = memory.export();
    } catch (error) {
      if (DatabaseOpenError.isInstance(error)) throw error;
      throw new DatabaseOpenError(
        `SQLite rejected the DDL: ${(error as Error).message}; fix the CREATE TABLE statements.`,
        { cause: error },
      );
    } finally {
      memory.close();
    }
    // The worker threads read databases from files.
    const directory = await mkdtemp(join(tmpdir(), 'aquila-text-to-sql-'));
    const file = join(directory, 'database.sqlite');
    await writeFile(file, bytes);
    // Its worker starts with the first query.
    const database = new SqlDatabase(options.name ?? 'ddl', file, directory);
    database.tables = tables;
    return database;
  }

  /** The schema as Spider's parser sees it (lower-case names), for parse checks. */
  get spiderSchema(): SpiderSchema {
    this.schemaCache ??= createSchema({
      tables: this.tables.map((table) => [table.name, table.columns.map((column) => column.name)] as const),
    });
    return this.schemaCache;
  }

  /** Foreign keys as `table.column = table.column` (lower case), as AquilaSQL prompts list them. */
  get relations(): string[] {
    return this.tables.flatMap((table) =>
      table.foreignKeys.map((key) =>
        `${table.name}.${key.column} = ${key.table}.${key.referencedColumn}`.toLowerCase(),
      ),
    );
  }

  // Each execution pool is a child process and a worker thread with one fixed timeout, so a pool serves one
  // timeout. At most `maxPools` stay open, in order of last use; the least recently used idle one is closed to
  // make room (a caller waits while every pool is busy), so no sequence of timeouts (a server takes them from
  // its clients) starts processes without bound.
  private async acquire(timeoutMs: number, signal: AbortSignal | undefined): Promise<PoolEntry> {
    for (;;) {
      if (this.closed)
        throw new QueryExecutionError(`database "${this.name}" is closed; open it again to run queries.`);
      const entry = this.pools.get(timeoutMs);
      if (entry !== undefined) {
        this.pools.delete(timeoutMs);
        this.pools.set(timeoutMs, entry);
        entry.users += 1;
        return entry;
      }
      if (this.pools.size + this.closingPools < maxPools) {
        const created = { pool: new ExecutionPool({ workers: 1, timeoutMs }), users: 1 };
        this.pools.set(timeoutMs, created);
        return created;
      }
      const idle = [...this.pools].find(([, candidate]) => candidate.users === 0);
      if (idle !== undefined) {
        this.pools.delete(idle[0]);
        this.closingPools += 1;
        await idle[1].pool.close().finally(() => (this.closingPools -= 1));
      } else await raceSignal(new Promise<void>((resolve) => this.poolFreed.push(resolve)), signal);
    }
  }

  private release(entry: PoolEntry): void {
    entry.users -= 1;
    if (entry.users === 0) for (const wake of this.poolFreed.splice(0)) wake();
  }

  private async run(
    sql: string,
    maxRows: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<QueryRows> {
    const entry = await this.acquire(timeoutMs, signal);
    let verdict: ExecutionVerdict;
    try {
      signal?.throwIfAborted();
      verdict = await raceSignal(
        entry.pool.run({
          databases: [this.file],
          gold: '',
          preds: [sql],
          orderMatters: false,
          returnRows: true,
          // A user's query (or a vote's candidate) runs as written: Spider's YEAR(CURDATE()) rewrite is for scoring.
          asWritten: true,
          maxRows,
        }),
        signal,
      );
    } finally {
      this.release(entry);
    }
    if (verdict.result === undefined)
      throw new QueryExecutionError(`the query failed on database "${this.name}": ${verdict.reason ?? 'no result'}.`);
    return verdict.result;
  }

  private async readTables(signal: AbortSignal | undefined): Promise<void> {
    try {
      const columns = await this.run(columnsQuery, schemaRowLimit, defaultTimeoutMs, signal);
      const keys = await this.run(foreignKeysQuery, schemaRowLimit, defaultTimeoutMs, signal);
      this.tables = tablesFromRows(columns.rows, keys.rows);
    } catch (error) {
      await this.close();
      if (QueryExecutionError.isInstance(error))
        throw new DatabaseOpenError(
          `cannot read the tables of ${this.file}: ${error.message} Is it a SQLite database?`,
          { cause: error },
        );
      throw error;
    }
  }

  /**
   * Runs one read-only statement and returns its columns and at most `maxRows` rows. Throws WriteRefusedError
   * for anything but SELECT / WITH / VALUES, QueryExecutionError for SQLite errors and timeouts.
   */
  async execute(options: ExecuteOptions): Promise<QueryResult> {
    const maxRows = positiveInteger('maxRows', options.maxRows ?? defaultMaxRows);
    const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? defaultTimeoutMs);
    options.signal?.throwIfAborted();
    const keyword = firstKeyword.exec(options.sql)?.[1]?.toLowerCase();
    if (keyword === undefined || !readKeywords.has(keyword)) {
      throw new WriteRefusedError(
        `only queries run on database "${this.name}" (SELECT, WITH or VALUES); refused a statement starting with ${keyword === undefined ? 'nothing' : keyword.toUpperCase()}.`,
      );
    }
    const started = performance.now();
    let result: QueryRows;
    try {
      result = await this.run(options.sql, maxRows, timeoutMs, options.signal);
    } catch (error) {
      // WITH … DELETE and friends pass the keyword check; the query_only connection refuses them.
      if (QueryExecutionError.isInstance(error) && /readonly|read-only/i.test(error.message))
        throw new WriteRefusedError(`${error.message} Only queries run here.`, { cause: error });
      throw error;
    }
    return {
      columns: result.columns,
      rows: result.rows.map((row) => row.map(cell)),
      truncated: result.truncated,
      elapsedMs: performance.now() - started,
    };
  }

  /** Stops the worker threads and removes a DDL database's temporary file. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    for (const wake of this.poolFreed.splice(0)) wake();
    await Promise.all(pools.map((entry) => entry.pool.close()));
    if (this.temporaryDirectory !== undefined) await rm(this.temporaryDirectory, { recursive: true, force: true });
  }
}
