import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { executionTask } from '../execution-match.js';
import { DatabaseSession } from './database-session.js';
import { NativeFallback, NativeSession } from './native-session.js';
import { loadSqlJs } from './sql-js.js';
import type { QueryOutcome } from './task-runner.js';
import { fixtureLines, spiderDirectory } from './test-fixtures.js';

const sqlJs = new DatabaseSession(await loadSqlJs());
const native = new NativeSession(Database);
afterAll(() => {
  sqlJs.close();
  native.close();
});

// Blobs come back as Uint8Array from sql.js and as Buffer from better-sqlite3: compare their bytes.
const comparable = (outcome: QueryOutcome) =>
  outcome.ok ? { ok: true, columns: outcome.columns, complete: outcome.complete, rows: outcome.rows.map((row) => row.map((value) => (value instanceof Uint8Array ? `bytes:${Buffer.from(value).toString('hex')}` : value))) } : { ok: false };

/** The native outcome where native SQLite takes the query, and whether it equals sql.js's (rows in the same order). */
function compare(path: string, sql: string, maxRows: number): 'fallback' | boolean {
  let outcome: QueryOutcome;
  try {
    outcome = native.run(path, sql, maxRows);
  } catch (error) {
    if (error instanceof NativeFallback) return 'fallback';
    throw error;
  }
  const expected = comparable(sqlJs.run(path, sql, maxRows));
  expect(comparable(outcome), sql).toEqual(expected);
  return true;
}

describe('native SQLite against sql.js', () => {
  it('gives sql.js’s rows, in order, or sql.js’s failure, for every Spider dev gold and DIN-SQL prediction, without falling back', () => {
    const gold = fixtureLines(`${spiderDirectory}dev_gold.sql`).map((line) => line.split('\t') as [string, string]);
    const pred = fixtureLines(`${spiderDirectory}predictions/DIN-SQL_GPT4.txt`);
    const probes = fixtureLines(`${spiderDirectory}quirk-probes/gold.sql`).map((line) => line.split('\t') as [string, string]);
    const probePreds = fixtureLines(`${spiderDirectory}quirk-probes/pred.sql`);
    const fallbacks: string[] = [];
    let compared = 0;
    for (const [list, preds] of [
      [gold, pred],
      [probes, probePreds],
    ] as const) {
      for (const [index, [goldSql, database]] of list.entries()) {
        if (database === 'wta_1') continue;
        const path = `${spiderDirectory}database/${database}/${database}.sqlite`;
        // The queries exactly as the workers run them (DISTINCT removed, operators closed up, value → 1).
        const task = executionTask({ gold: goldSql, pred: (preds[index] as string).trim(), databases: [path] });
        for (const sql of new Set([task.gold, ...task.preds, ...(task.runsCheck === undefined ? [] : [task.runsCheck])])) {
          const result = compare(path, sql, 1_000_000);
          if (result === 'fallback') fallbacks.push(sql);
          else compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(1900);
    expect(fallbacks).toEqual([]);
  });

  it('decides double-quoted tokens as SQLite with double-quoted strings does, on generated queries', () => {
    const path = `${spiderDirectory}database/concert_singer/concert_singer.sqlite`;
    // Column names, table names, aliases, rowid and plain words, double-quoted in value and name positions.
    const word = fc.constantFrom('Name', 'age', 'Country', 'France', 'singer', 'T1', 'n', 'rowid', 'Netherlands', 'x y', 'Joe Sharp', "Stark's Park", 'a""b', 'sql', 'type', '');
    const quoted = word.map((text) => `"${text}"`);
    const query = fc
      .tuple(fc.constantFrom('Name', 'Country', 'count(*)', 'age + 1'), fc.constantFrom('', ' AS n', ' n', ' "n"'), fc.constantFrom('singer', 'singer AS T1', 'singer T1'), fc.constantFrom('Country', 'Name', 'T1.Name', 'lower(Name)'), fc.constantFrom('=', '!=', '<', 'LIKE', '>='), quoted, quoted, fc.constantFrom('', ' GROUP BY', ' ORDER BY'))
      .map(([select, alias, from, column, operator, first, second, tail]) => `SELECT ${select}${alias} FROM ${from} WHERE ${column} ${operator} ${first} OR ${second} = ${column}${tail === '' ? '' : `${tail} ${second}`}`);
    let native = 0;
    fc.assert(
      fc.property(query, (sql) => {
        if (compare(path, sql, 1000) === true) native += 1;
      }),
      { numRuns: 300 },
    );
    expect(native).toBeGreaterThan(100);
  });

  it('leaves to sql.js what it cannot prove: several statements, writes, CTEs, double-quoted aliases', () => {
    const path = `${spiderDirectory}database/concert_singer/concert_singer.sqlite`;
    for (const sql of ['SELECT 1;;', 'SELECT 1; SELECT 2', 'DELETE FROM singer', 'PRAGMA table_info(singer)', 'WITH c AS (SELECT "France" AS x) SELECT x FROM c', 'SELECT Name AS "n" FROM singer', 'SELECT "lower"(Name) FROM singer']) {
      expect(() => native.run(path, sql, 10), sql).toThrow(NativeFallback);
    }
    expect(readFileSync(path).subarray(0, 15).toString()).toBe('SQLite format 3');
  });
});
