import type { PGlite } from '@electric-sql/pglite';
import type { DatasetRecord } from '../sources/dataset-record.js';
import type { SqlValidation } from './create-sql-validator.js';
import { type PostgresViews, postgresViews } from './postgres-views.js';
import { errorLine, needsOwnCheck, withSchemaCtes } from './sql-check.js';

type PostgresEntry = { schema: 'public' } | { error: string };

// Views of this many schemas are kept before the cache starts afresh.
const viewsCacheSize = 4096;

// One round trip that prepares every statement and forgets them again.
function prepareStatements(sqls: readonly string[]): string {
  return `${sqls.map((sql, position) => `PREPARE aquila_check_${position} AS ${sql};`).join('\n')}\nDEALLOCATE ALL;`;
}

function dropRelation(name: string): string {
  const quoted = name.replaceAll('"', '""');
  return `DROP VIEW IF EXISTS "${quoted}" CASCADE; DROP TABLE IF EXISTS "${quoted}" CASCADE;`;
}

/**
 * Checks many schema-wrapped queries with `PREPARE …; DEALLOCATE ALL` round trips, halving a chunk that
 * fails until each failure is alone; returns the indices that passed. Failures go on to the exact path.
 */
async function prepareAll(pg: PGlite, statements: { index: number; sql: string }[]): Promise<number[]> {
  if (statements.length === 0) return [];
  try {
    await pg.exec(prepareStatements(statements.map((statement) => statement.sql)));
    return statements.map((statement) => statement.index);
  } catch {
    // Prepared statements are not transactional: clear what the failed round trip prepared.
    await pg.exec('DEALLOCATE ALL');
    if (statements.length === 1) return [];
    const half = Math.ceil(statements.length / 2);
    return [...(await prepareAll(pg, statements.slice(0, half))), ...(await prepareAll(pg, statements.slice(half)))];
  }
}

async function describePostgres(pg: PGlite, record: DatasetRecord): Promise<SqlValidation> {
  try {
    await pg.describeQuery(record.sql);
    return { ok: true, sql: record.sql, validated: true };
  } catch (error) {
    const text = errorLine(error);
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

/**
 * Checks PostgreSQL-dialect SQL in an embedded PostgreSQL (PGlite: `describeQuery` parses and plans without
 * running), each distinct schema created once, up to `cacheSize` schemas before the database starts afresh.
 */
export class PostgresValidator {
  private readonly entries = new Map<string, PostgresEntry>();
  // Which schema (DDL text) created each relation name now in the database.
  private readonly relations = new Map<string, string>();
  private readonly viewsCache = new Map<string, PostgresViews>();
  private readonly relationNames = new Map<string, string[]>();
  private database: Promise<PGlite> | undefined;

  private readonly cacheSize: number;

  constructor(options: { cacheSize: number }) {
    this.cacheSize = options.cacheSize;
  }

  async validate(records: DatasetRecord[]): Promise<SqlValidation[]> {
    const pg = await this.open();
    // Fast path: schema as CTEs, no DDL. What fails there (or cannot be wrapped) takes the exact path below,
    // so every verdict and reason comes from real relations.
    const wrapped = records.flatMap((record, index) => {
      const sql = this.withSchema(record);
      return sql === undefined ? [] : [{ index, sql }];
    });
    const passed = new Set(await prepareAll(pg, wrapped));
    const rest = records.filter((_, index) => !passed.has(index));
    const restResults = await this.validateExactly(pg, rest);
    let next = 0;
    return records.map((record, index) =>
      passed.has(index) ? { ok: true, sql: record.sql, validated: true } : restResults[next++]!,
    );
  }

  async close(): Promise<void> {
    this.entries.clear();
    if (this.database !== undefined) await (await this.database).close();
    this.database = undefined;
  }

  private open(): Promise<PGlite> {
    this.database ??= import('@electric-sql/pglite').then(({ PGlite }) => PGlite.create());
    return this.database;
  }

  private views(schema: string): PostgresViews {
    let views = this.viewsCache.get(schema);
    if (views === undefined) {
      if (this.viewsCache.size >= viewsCacheSize) this.viewsCache.clear();
      views = postgresViews(schema);
      this.viewsCache.set(schema, views);
    }
    return views;
  }

  // The schema's relation names in lower case, as the runs of validateExactly compare them.
  private namesOf(schema: string): string[] {
    let names = this.relationNames.get(schema);
    if (names === undefined) {
      names = this.views(schema).names.map((name) => name.toLowerCase());
      if (this.relationNames.size > this.cacheSize) this.relationNames.clear();
      this.relationNames.set(schema, names);
    }
    return names;
  }

  private withSchema(record: DatasetRecord): string | undefined {
    const { ctes } = this.views(record.schema);
    if (ctes === undefined || needsOwnCheck(record.sql)) return undefined;
    return withSchemaCtes(record.sql, ctes);
  }

  // Start afresh rather than dropping relations one by one: one round trip.
  private async startAfresh(pg: PGlite): Promise<void> {
    await pg.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    this.entries.clear();
    this.relations.clear();
  }

  // The records cut into runs whose schemas share no relation name, each validated by validateRun.
  private async validateExactly(pg: PGlite, records: DatasetRecord[]): Promise<SqlValidation[]> {
    const results: SqlValidation[] = [];
    let run: DatasetRecord[] = [];
    let owners = new Map<string, string>();
    for (const record of records) {
      const names = this.namesOf(record.schema);
      if (names.some((name) => owners.has(name) && owners.get(name) !== record.schema)) {
        results.push(...(await this.validateRun(pg, run)));
        run = [];
        owners = new Map();
      }
      for (const name of names) owners.set(name, record.schema);
      run.push(record);
    }
    if (run.length > 0) results.push(...(await this.validateRun(pg, run)));
    return results;
  }

  /**
   * Validates PostgreSQL records a run at a time, where a run's schemas share no relation name: the run's
   * new schemas are created in one round trip and its queries checked by one `PREPARE …; DEALLOCATE ALL`
   * round trip (PGlite's per-call cost dominates otherwise). A failing round trip falls back to one call per
   * schema or query, to find which one failed and why.
   */
  private async validateRun(pg: PGlite, records: DatasetRecord[]): Promise<SqlValidation[]> {
    await this.createTogether(pg, records);
    const results: (SqlValidation | undefined)[] = [];
    const batched: number[] = [];
    for (const [index, record] of records.entries()) {
      const entry = await this.entry(pg, record.schema);
      if ('error' in entry) results[index] = { ok: false, reason: 'invalid-schema', detail: entry.error };
      else if (needsOwnCheck(record.sql)) results[index] = await describePostgres(pg, record);
      else batched.push(index);
    }
    if (batched.length > 0) {
      try {
        await pg.exec(prepareStatements(batched.map((index) => records[index]!.sql)));
        for (const index of batched) results[index] = { ok: true, sql: records[index]!.sql, validated: true };
      } catch {
        // Prepared statements are not transactional: clear what the failed round trip prepared.
        await pg.exec('DEALLOCATE ALL');
        for (const index of batched) results[index] = await describePostgres(pg, records[index]!);
      }
    }
    return results as SqlValidation[];
  }

  // The run's new schemas in one round trip; where that fails, `entry` creates them one at a time.
  private async createTogether(pg: PGlite, records: DatasetRecord[]): Promise<void> {
    const fresh = [...new Set(records.map((record) => record.schema))].filter((schema) => !this.entries.has(schema));
    if (this.entries.size + fresh.length > this.cacheSize) {
      await this.startAfresh(pg);
      fresh.splice(0, fresh.length, ...new Set(records.map((record) => record.schema)));
    }
    if (fresh.length <= 1) return;
    const statements = fresh.map((schema) => {
      const { names, sql } = this.views(schema);
      const drops = names.filter((name) => this.relations.has(name.toLowerCase())).map(dropRelation);
      return `${drops.join('')}${sql}`;
    });
    try {
      await pg.exec(statements.join('\n'));
      for (const schema of fresh) {
        for (const name of this.namesOf(schema)) {
          const owner = this.relations.get(name);
          if (owner !== undefined && owner !== schema) this.entries.delete(owner);
          this.relations.set(name, schema);
        }
        this.entries.set(schema, { schema: 'public' });
      }
    } catch {
      // One of them is invalid: the one-by-one path finds which.
    }
  }

  // The schema created on its own (or found created), or the error its DDL gives.
  private async entry(pg: PGlite, schema: string): Promise<PostgresEntry> {
    const cached = this.entries.get(schema);
    if (cached !== undefined) return cached;
    if (this.entries.size >= this.cacheSize) await this.startAfresh(pg);
    const { names, sql } = this.views(schema);
    // Relations another schema created under the same names go first, in the same round trip.
    const clashes = names.flatMap((name) => {
      const owner = this.relations.get(name.toLowerCase());
      return owner !== undefined && owner !== schema ? [owner] : [];
    });
    for (const owner of clashes) this.entries.delete(owner);
    const drops = names.map(dropRelation).join('');
    let entry: PostgresEntry = { schema: 'public' };
    // Views first; if the parsed columns do not make valid views, the DDL as written decides.
    for (const attempt of sql === schema ? [schema] : [sql, schema]) {
      try {
        // One simple query runs as one implicit transaction: it fails whole, leaving nothing behind.
        await pg.exec(`${clashes.length > 0 ? drops : ''}${attempt}`);
        entry = { schema: 'public' };
        break;
      } catch (error) {
        entry = { error: errorLine(error) };
      }
    }
    if (!('error' in entry)) for (const name of names) this.relations.set(name.toLowerCase(), schema);
    this.entries.set(schema, entry);
    return entry;
  }
}
