import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spiderDirectory } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFiles, executionMatch } from './execution-match.js';
import { ExecutionPool } from './execution-pool.js';
import { openDatabaseCopy } from './internal/sql-js.js';
import { fixtureJsonl, fixtureLines } from './test-support/test-fixtures.js';

interface OfficialItem {
  i: number;
  exec: number;
  pred_runs: boolean;
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

// The 972 Spider dev questions are checked once, through evaluate (evaluate.test.ts).
describe('execution accuracy against the official evaluator', () => {
  it('gives the official exec verdicts on the 22 quirk probes', async () => {
    const gold = fixtureLines(`${spiderDirectory}quirk-probes/gold.sql`).map((line) => line.split('\t'));
    const pred = fixtureLines(`${spiderDirectory}quirk-probes/pred.sql`);
    const official = fixtureJsonl<OfficialItem>(`${spiderDirectory}quirk-probes/verdicts.jsonl`).filter(
      (item) => 'i' in item,
    );
    const pool = new ExecutionPool({ workers: 1 });
    try {
      const ours = [];
      for (const item of official) {
        const [goldSql, database] = gold[item.i] as [string, string];
        const verdict = await executionMatch({
          gold: goldSql,
          pred: (pred[item.i] as string).trim(),
          databases: databaseFiles(`${spiderDirectory}database/${database}`),
          pool,
        });
        ours.push({ i: item.i, exec: verdict.exec, pred_runs: verdict.predRuns });
      }
      expect(ours).toEqual(official.map(({ i, exec, pred_runs }) => ({ i, exec, pred_runs })));
    } finally {
      await pool.close();
    }
  });
});

describe('safety and test-suite accuracy', () => {
  let directory: string;
  let databaseFolder: string;
  let original: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'sql-metrics-'));
    databaseFolder = join(directory, 'concert_singer');
    mkdirSync(databaseFolder);
    original = join(databaseFolder, 'concert_singer.sqlite');
    copyFileSync(`${spiderDirectory}database/concert_singer/concert_singer.sqlite`, original);
  });

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('never changes or creates a file, contains runaway queries, and keeps every later verdict right', async () => {
    const before = sha256(original);
    const listing = readdirSync(directory, { recursive: true });
    const evil = join(directory, 'evil.sqlite');
    const copy = join(directory, 'copy.sqlite');
    const many = Array.from({ length: 12 }, (_, index) => `singer AS s${index}`).join(', ');
    const hostile = [
      'DROP TABLE singer',
      'UPDATE singer SET age = 0',
      'DELETE FROM singer',
      'INSERT INTO singer (singer_id, name) VALUES (99, "x")',
      'CREATE TABLE extra (a)',
      'CREATE TEMP TABLE singer AS SELECT 1 AS age',
      `ATTACH DATABASE '${evil}' AS evil`,
      `VACUUM INTO '${copy}'`,
      'PRAGMA writable_schema = 1',
      'PRAGMA query_only = 0',
      'PRAGMA reverse_unordered_selects = 1',
      'SELECT count(*) FROM singer; DROP TABLE singer',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c',
      'SELECT * FROM singer, stadium, concert, singer_in_concert',
      `SELECT count(*) FROM ${many}`,
    ];
    const pool = new ExecutionPool({ workers: 1, timeoutMs: 1000 });
    const databases = [original];
    const gold = 'SELECT name, age FROM singer';
    try {
      const reasons: (string | undefined)[] = [];
      for (const pred of hostile) {
        const verdict = await executionMatch({ gold, pred, databases, pool });
        expect(verdict.exec, pred).toBe(0);
        reasons.push(verdict.reason);
        // The database each worker holds is still the original one.
        expect(await executionMatch({ gold, pred: 'SELECT age, name FROM singer', databases, pool })).toEqual({
          exec: 1,
          predRuns: true,
        });
      }
      // The endless CTE under count(*) and the 12-way cross join ran out of time (the plain endless CTE stops at the row cap).
      expect(reasons[hostile.length - 3]).toMatch(/^timeout/);
      expect(reasons.at(-1)).toMatch(/^timeout/);
    } finally {
      await pool.close();
    }
    expect(sha256(original)).toBe(before);
    expect(readdirSync(directory, { recursive: true })).toEqual(listing);
  });

  it('scores test-suite accuracy over every .sqlite file of a database folder', async () => {
    const variant = await openDatabaseCopy(readFileSync(original));
    expect(variant.exec('SELECT count(*) FROM singer WHERE age = 51')[0]?.values).toEqual([[0]]);
    variant.exec('UPDATE singer SET age = 51 WHERE singer_id = 1');
    writeFileSync(join(databaseFolder, 'concert_singer_variant.sqlite'), variant.export());
    variant.close();
    const gold = 'SELECT count(*) FROM singer WHERE age > 50';
    const pred = 'SELECT count(*) FROM singer WHERE age > 51';
    expect(databaseFiles(databaseFolder)).toHaveLength(2);
    const pool = new ExecutionPool({ workers: 1 });
    try {
      expect((await executionMatch({ gold, pred, databases: [original], pool })).exec).toBe(1);
      expect((await executionMatch({ gold, pred, databases: databaseFiles(databaseFolder), pool })).exec).toBe(0);
      expect(
        (
          await executionMatch({
            gold,
            pred: 'SELECT count(*) FROM singer WHERE 50 < age',
            databases: databaseFiles(databaseFolder),
            pool,
          })
        ).exec,
      ).toBe(1);
    } finally {
      await pool.close();
    }
  });
});
