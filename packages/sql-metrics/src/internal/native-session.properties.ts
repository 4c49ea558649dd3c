// Native SQLite against sql.js on generated queries, run in a worker with a wall-clock limit (see native-session.test.ts):
// every query goes through the double-quoted-string rewrite, a parser that could loop forever.
import { inspect, isDeepStrictEqual } from 'node:util';
import { spiderDirectory } from '@aquila/test-kit';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { DatabaseSession } from './database-session.js';
import { NativeFallback, NativeSession } from './native-session.js';
import { loadSqlJs } from './sql-js.js';
import type { QueryOutcome } from './task-runner.js';

export const concertSingerPath = `${spiderDirectory}database/concert_singer/concert_singer.sqlite`;

export interface CompareWithSqlJsOptions {
  sqlJs: DatabaseSession;
  native: NativeSession;
  path: string;
  sql: string;
  maxRows: number;
}

// Blobs come back as Uint8Array from sql.js and as Buffer from better-sqlite3: compare their bytes.
const comparable = (outcome: QueryOutcome) =>
  outcome.ok
    ? {
        ok: true,
        columns: outcome.columns,
        complete: outcome.complete,
        rows: outcome.rows.map((row) =>
          row.map((value) => (value instanceof Uint8Array ? `bytes:${Buffer.from(value).toString('hex')}` : value)),
        ),
      }
    : { ok: false };

/** 'fallback' where native SQLite leaves the query to sql.js, else true once its outcome equals sql.js's (rows in the same order); throws when it does not. */
export function compareWithSqlJs(options: CompareWithSqlJsOptions): 'fallback' | true {
  let outcome: QueryOutcome;
  try {
    outcome = options.native.run(options.path, options.sql, options.maxRows);
  } catch (error) {
    if (error instanceof NativeFallback) return 'fallback';
    throw error;
  }
  const actual = comparable(outcome);
  const expected = comparable(options.sqlJs.run(options.path, options.sql, options.maxRows));
  if (!isDeepStrictEqual(actual, expected))
    throw new Error(
      `${options.sql}: native SQLite gave ${inspect(actual, { depth: 4 })}, sql.js ${inspect(expected, { depth: 4 })}`,
    );
  return true;
}

export async function decidesDoubleQuotedTokensAsSqlJs(): Promise<void> {
  const sqlJs = new DatabaseSession(await loadSqlJs());
  const native = new NativeSession(Database);
  try {
    // Column names, table names, aliases, rowid and plain words, double-quoted in value and name positions.
    const word = fc.constantFrom(
      'Name',
      'age',
      'Country',
      'France',
      'singer',
      'T1',
      'n',
      'rowid',
      'Netherlands',
      'x y',
      'Joe Sharp',
      "Stark's Park",
      'a""b',
      'sql',
      'type',
      '',
    );
    const quoted = word.map((text) => `"${text}"`);
    const query = fc
      .tuple(
        fc.constantFrom('Name', 'Country', 'count(*)', 'age + 1'),
        fc.constantFrom('', ' AS n', ' n', ' "n"'),
        fc.constantFrom('singer', 'singer AS T1', 'singer T1'),
        fc.constantFrom('Country', 'Name', 'T1.Name', 'lower(Name)'),
        fc.constantFrom('=', '!=', '<', 'LIKE', '>='),
        quoted,
        quoted,
        fc.constantFrom('', ' GROUP BY', ' ORDER BY'),
      )
      .map(
        ([select, alias, from, column, operator, first, second, tail]) =>
          `SELECT ${select}${alias} FROM ${from} WHERE ${column} ${operator} ${first} OR ${second} = ${column}${tail === '' ? '' : `${tail} ${second}`}`,
      );
    let nativeRuns = 0;
    fc.assert(
      fc.property(query, (sql) => {
        if (compareWithSqlJs({ sqlJs, native, path: concertSingerPath, sql, maxRows: 1000 }) === true) nativeRuns += 1;
      }),
      { numRuns: 300 },
    );
    // Mostly fallbacks would prove nothing about the native path.
    if (nativeRuns <= 100)
      throw new Error(`native SQLite took only ${nativeRuns} of 300 generated queries; expected more than 100`);
  } finally {
    sqlJs.close();
    native.close();
  }
}
