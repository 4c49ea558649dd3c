import { spiderDirectory } from '@aquila/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecutionPool } from './execution-pool.js';

const concertSinger = `${spiderDirectory}database/concert_singer/concert_singer.sqlite`;
const rowsTask = (sql: string, maxRows: number) => ({
  databases: [concertSinger],
  gold: '',
  preds: [sql],
  orderMatters: false,
  returnRows: true,
  maxRows,
});

describe('returnRows tasks', () => {
  const pool = new ExecutionPool({ workers: 1, timeoutMs: 300 });
  afterAll(() => pool.close());

  it('return the columns and rows of a query, capped at maxRows', async () => {
    const all = await pool.run(rowsTask('SELECT name, age FROM singer ORDER BY singer_id', 100));
    expect(all.result?.columns).toEqual(['Name', 'Age']);
    expect(all.result?.rows.length).toBe(6);
    expect(all.result?.rows[0]).toEqual(['Joe Sharp', 52n]);
    expect(all.result?.truncated).toBe(false);
    const capped = await pool.run(rowsTask('SELECT name FROM singer ORDER BY singer_id', 2));
    expect(capped.result).toEqual({ columns: ['Name'], rows: [['Joe Sharp'], ['Timbaland']], truncated: true });
  });

  it('give the SQLite error of a failing or writing statement, and leave the data as it was', async () => {
    expect((await pool.run(rowsTask('SELECT nope FROM singer', 10))).reason).toMatch(/no such column: nope/);
    expect((await pool.run(rowsTask('DROP TABLE singer', 10))).reason).toMatch(/readonly/);
    expect((await pool.run(rowsTask('SELECT count(*) FROM singer', 10))).result?.rows).toEqual([[6n]]);
  });

  it('refuse a second statement after a comment, as Python does ("one statement at a time")', async () => {
    expect((await pool.run(rowsTask('SELECT 1; /* c */ SELECT 2', 10))).reason).toBe(
      'You can only execute one statement at a time.',
    );
    expect((await pool.run(rowsTask('SELECT 1; /* c */ -- d\n', 10))).result?.rows).toEqual([[1n]]);
  });

  it('stop a runaway query at the timeout with a reason', async () => {
    const verdict = await pool.run(
      rowsTask('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c', 10),
    );
    expect(verdict.result).toBeUndefined();
    expect(verdict.reason).toMatch(/timeout/);
    expect((await pool.run(rowsTask('SELECT 1 AS one', 10))).result?.rows).toEqual([[1n]]);
  });
});
