import { existsSync } from 'node:fs';
import { childProcesses, needs, spiderDatabase } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseOpenError, QueryExecutionError, WriteRefusedError } from './errors.js';
import { SqlDatabase } from './sql-database.js';

/** The native SQLite execution processes this process runs now (one per execution pool). */
const executionProcesses = (): number => childProcesses({ parent: process.pid, command: 'execution-process' }).length;

describe('SqlDatabase.open', () => {
  let database: SqlDatabase;
  beforeAll(async () => {
    database = await SqlDatabase.open({ file: spiderDatabase('concert_singer') });
  });
  afterAll(() => database.close());

  it('reads the tables, columns, types, keys and relations of the file', () => {
    expect(database.name).toBe('concert_singer');
    expect(database.tables.map((table) => table.name)).toEqual(['stadium', 'singer', 'concert', 'singer_in_concert']);
    const singer = database.tables.find((table) => table.name === 'singer');
    expect(singer?.columns[0]).toEqual({ name: 'Singer_ID', type: 'INT', primaryKey: true });
    expect(database.relations).toEqual([
      'concert.stadium_id = stadium.stadium_id',
      'singer_in_concert.singer_id = singer.singer_id',
      'singer_in_concert.concert_id = concert.concert_id',
    ]);
    expect(database.spiderSchema.tables.get('singer')).toContain('singer_id');
  });

  it('executes queries with Spider-style double-quoted strings, a row cap and JSON-safe cells', async () => {
    const result = await database.execute({
      sql: 'SELECT name, age FROM singer WHERE country = "France" ORDER BY age',
    });
    expect(result.columns).toEqual(['Name', 'Age']);
    expect(result.rows).toEqual([
      ['Tribal King', 25],
      ['Justin Brown', 29],
      ['Rose White', 41],
      ['John Nizinik', 43],
    ]);
    expect(result.truncated).toBe(false);
    const capped = await database.execute({ sql: 'SELECT name FROM singer', maxRows: 2 });
    expect(capped.rows.length).toBe(2);
    expect(capped.truncated).toBe(true);
    expect((await database.execute({ sql: "VALUES (x'00ff', 9007199254740993, 1.5, NULL)" })).rows).toEqual([
      ["x'00ff'", '9007199254740993', 1.5, null],
    ]);
  });

  it('refuses writes before they run, and through the read-only connection for those that hide behind WITH', async () => {
    for (const sql of [
      'DROP TABLE singer',
      'UPDATE singer SET age = 1',
      "ATTACH ':memory:' AS other",
      "VACUUM INTO '/tmp/aquila-copy.sqlite'",
      'PRAGMA writable_schema = ON',
      '  /* hi */ delete from singer',
    ]) {
      await expect(database.execute({ sql })).rejects.toThrow(WriteRefusedError);
    }
    await expect(database.execute({ sql: 'WITH s AS (SELECT 1) DELETE FROM singer' })).rejects.toThrow(
      WriteRefusedError,
    );
    expect(existsSync('/tmp/aquila-copy.sqlite')).toBe(false);
    expect((await database.execute({ sql: 'SELECT count(*) FROM singer' })).rows).toEqual([[6]]);
  });

  it('reports SQLite errors and stops a runaway query at its timeout', async () => {
    await expect(database.execute({ sql: 'SELECT nope FROM singer' })).rejects.toThrow(/no such column: nope/);
    const started = Date.now();
    await expect(
      database.execute({
        sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c',
        timeoutMs: 200,
      }),
    ).rejects.toThrow(QueryExecutionError);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await database.execute({ sql: 'SELECT 1 AS one', timeoutMs: 200 })).rows).toEqual([[1]]);
  });

  it("runs a query as written, without the Spider evaluation's YEAR(CURDATE()) rewrite", async () => {
    const result = await database.execute({ sql: "SELECT 'YEAR(CURDATE())' AS text" });
    expect(result.rows).toEqual([['YEAR(CURDATE())']]);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = database.execute({
      sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c',
      timeoutMs: 300,
      signal: controller.signal,
    });
    controller.abort(new Error('the client went away'));
    await expect(pending).rejects.toThrow('the client went away');
  });
});

const processList = needs({ processList: true });

describe.skipIf(processList.skip)(`SqlDatabase execution pools ${processList.label}`, () => {
  it('keeps a bounded number of child processes whatever timeouts the queries ask for', async () => {
    const before = executionProcesses();
    const database = await SqlDatabase.open({ file: spiderDatabase('concert_singer') });
    try {
      const counts: number[] = [];
      for (let index = 0; index < 5; index += 1) {
        expect((await database.execute({ sql: 'SELECT count(*) FROM singer', timeoutMs: 5_000 + index })).rows).toEqual(
          [[6]],
        );
        counts.push(executionProcesses() - before);
      }
      // Concurrent queries with timeouts of their own wait for a pool instead of starting more.
      const concurrent = Array.from({ length: 4 }, (_, index) =>
        database.execute({ sql: 'SELECT count(*) FROM concert', timeoutMs: 7_000 + index }),
      );
      counts.push(executionProcesses() - before);
      expect((await Promise.all(concurrent)).map((result) => result.rows)).toEqual(Array(4).fill([[6]]));
      counts.push(executionProcesses() - before);
      expect(Math.max(...counts)).toBeLessThanOrEqual(2);
      expect(counts.at(-1)).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
    expect(executionProcesses()).toBe(before);
    await expect(database.execute({ sql: 'SELECT 1' })).rejects.toThrow(/is closed/);
  });
});

describe('SqlDatabase.fromDdl', () => {
  it('builds an empty database from CREATE TABLE statements', async () => {
    const database = await SqlDatabase.fromDdl({
      ddl: 'CREATE TABLE dept (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE emp (id INT, dept_id INT REFERENCES dept(id), salary REAL);',
      name: 'hr',
    });
    try {
      expect(
        database.tables.map((table) => [table.name, table.columns.map((column) => `${column.name}:${column.type}`)]),
      ).toEqual([
        ['dept', ['id:INTEGER', 'name:TEXT']],
        ['emp', ['id:INT', 'dept_id:INT', 'salary:REAL']],
      ]);
      expect(database.relations).toEqual(['emp.dept_id = dept.id']);
      expect(
        await database.execute({
          sql: 'SELECT d.name, avg(e.salary) FROM emp AS e JOIN dept AS d ON e.dept_id = d.id GROUP BY d.name',
        }),
      ).toMatchObject({ columns: ['name', 'avg(e.salary)'], rows: [], truncated: false });
      await expect(database.execute({ sql: 'SELECT missing FROM emp' })).rejects.toThrow(QueryExecutionError);
    } finally {
      await database.close();
    }
    expect(existsSync(database.file)).toBe(false);
  });

  it('rejects DDL that is not CREATE statements, that SQLite rejects, or that is empty', async () => {
    await expect(SqlDatabase.fromDdl({ ddl: 'CREATE TABLE t (a INT); INSERT INTO t VALUES (1);' })).rejects.toThrow(
      /statement 2 is not a plain CREATE/,
    );
    await expect(
      SqlDatabase.fromDdl({
        ddl: 'CREATE TABLE t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c',
      }),
    ).rejects.toThrow(DatabaseOpenError);
    await expect(SqlDatabase.fromDdl({ ddl: 'CREATE TABLE t (a INT,' })).rejects.toThrow(/SQLite rejected the DDL/);
    await expect(SqlDatabase.fromDdl({ ddl: '  -- nothing\n' })).rejects.toThrow(/no statements/);
  });

  it('rejects files that are missing, empty or not SQLite', async () => {
    await expect(SqlDatabase.open({ file: '/nonexistent/x.sqlite' })).rejects.toThrow(DatabaseOpenError);
    await expect(SqlDatabase.open({ file: new URL('../package.json', import.meta.url).pathname })).rejects.toThrow(
      DatabaseOpenError,
    );
  });
});
