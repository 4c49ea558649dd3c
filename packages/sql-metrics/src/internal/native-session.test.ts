import { readFileSync } from 'node:fs';
import { checkPropertyInWorker, spiderDirectory } from '@aquila/test-kit';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { executionTask } from '../execution-match.js';
import { fixtureLines } from '../test-support/test-fixtures.js';
import { DatabaseSession } from './database-session.js';
import { NativeFallback, NativeSession } from './native-session.js';
import { compareWithSqlJs, concertSingerPath } from './native-session.properties.js';
import { loadSqlJs } from './sql-js.js';

const sqlJs = new DatabaseSession(await loadSqlJs());
const native = new NativeSession(Database);
afterAll(() => {
  sqlJs.close();
  native.close();
});

describe('native SQLite against sql.js', () => {
  it('gives sql.js’s rows, in order, or sql.js’s failure, for every Spider dev gold and DIN-SQL prediction, without falling back', () => {
    const gold = fixtureLines(`${spiderDirectory}dev_gold.sql`).map((line) => line.split('\t') as [string, string]);
    const pred = fixtureLines(`${spiderDirectory}predictions/DIN-SQL_GPT4.txt`);
    const probes = fixtureLines(`${spiderDirectory}quirk-probes/gold.sql`).map(
      (line) => line.split('\t') as [string, string],
    );
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
        for (const sql of new Set([
          task.gold,
          ...task.preds,
          ...(task.runsCheck === undefined ? [] : [task.runsCheck]),
        ])) {
          const result = compareWithSqlJs({ sqlJs, native, path, sql, maxRows: 1_000_000 });
          if (result === 'fallback') fallbacks.push(sql);
          else compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(1900);
    expect(fallbacks).toEqual([]);
  });

  it('decides double-quoted tokens as SQLite with double-quoted strings does, on generated queries', async () => {
    await checkPropertyInWorker({
      module: new URL('./native-session.properties.ts', import.meta.url),
      exportName: 'decidesDoubleQuotedTokensAsSqlJs',
      timeoutMs: 120_000,
    });
  }, 150_000);

  it('leaves to sql.js what it cannot prove: several statements, writes, CTEs, double-quoted aliases', () => {
    const path = concertSingerPath;
    for (const sql of [
      'SELECT 1;;',
      'SELECT 1; SELECT 2',
      'DELETE FROM singer',
      'PRAGMA table_info(singer)',
      'WITH c AS (SELECT "France" AS x) SELECT x FROM c',
      'SELECT Name AS "n" FROM singer',
      'SELECT "lower"(Name) FROM singer',
    ]) {
      expect(() => native.run(path, sql, 10), sql).toThrow(NativeFallback);
    }
    expect(readFileSync(path).subarray(0, 15).toString()).toBe('SQLite format 3');
  });
});
