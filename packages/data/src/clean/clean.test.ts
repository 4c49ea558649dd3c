import { describe, expect, it } from 'vitest';
import type { DatasetRecord } from '../sources/dataset-record.js';
import { cleanQuestion, cleanSql, isNonCommercialLicence } from './clean-record.js';
import { createDeduplicator } from './create-deduplicator.js';
import { createSqlValidator } from './create-sql-validator.js';

function record(fields: Partial<DatasetRecord>): DatasetRecord {
  return {
    id: 'x',
    source: 'a',
    split: 'train',
    task: 'text-to-sql',
    question: 'q',
    schema: '',
    sql: '',
    dialect: 'sqlite',
    licence: 'mit',
    ...fields,
  };
}

describe('cleaning', () => {
  it('collapses whitespace, unwraps quoted questions, strips trailing semicolons but not literal content', () => {
    expect(cleanQuestion('  "How many   heads\n are there?"  ')).toBe('How many heads are there?');
    expect(cleanQuestion('"Voir Dire" was written by whom?')).toBe('"Voir Dire" was written by whom?');
    expect(cleanSql("SELECT  a\n\tFROM t WHERE b = 'two  spaces;'  ;; ")).toBe(
      "SELECT a FROM t WHERE b = 'two  spaces;'",
    );
  });

  it('knows the non-commercial licences', () => {
    expect(['cc-by-nc-4.0', 'cc-by-nc-sa-4.0', 'CC-BY-NC-ND-4.0'].every(isNonCommercialLicence)).toBe(true);
    expect(['cc-by-4.0', 'mit', 'apache-2.0', 'unknown', 'bsd-3-clause'].some(isNonCommercialLicence)).toBe(false);
  });
});

describe('deduplication', () => {
  it('finds copies within and across sources despite case, spacing and quote style', () => {
    const deduplicator = createDeduplicator();
    const sql = 'SELECT COUNT(*) FROM head WHERE name = "Tom"';
    expect(deduplicator.check(record({ source: 'a', question: 'How many?', sql }))).toBe('new');
    expect(
      deduplicator.check(
        record({ source: 'a', question: 'how  many?', sql: "select count( * ) from head where name='tom';" }),
      ),
    ).toBe('duplicate-within-source');
    expect(deduplicator.check(record({ source: 'b', question: 'How many?', sql }))).toBe('duplicate-across-sources');
    expect(deduplicator.check(record({ source: 'b', question: 'How many?', sql: 'SELECT COUNT(*) FROM head' }))).toBe(
      'new',
    );
    expect(deduplicator.size).toBe(2);
  });
});

describe('SQL validation in SQLite', () => {
  it('accepts valid SQL, drops unknown columns, broken schemas and several statements, with reasons', async () => {
    const validator = createSqlValidator();
    const schema =
      'CREATE TABLE head (age INTEGER, name VARCHAR)\n\nCREATE TABLE department (head_id INTEGER, name VARCHAR(40))';
    expect(
      await validator.validate(record({ schema, sql: 'SELECT name FROM head WHERE name = "Tom" AND age > 56' })),
    ).toEqual({ ok: true, validated: true, sql: "SELECT name FROM head WHERE name = 'Tom' AND age > 56" });
    expect(await validator.validate(record({ schema, sql: 'SELECT manager FROM head' }))).toEqual({
      ok: false,
      reason: 'invalid-sql',
      detail: 'no such column: manager',
    });
    expect(await validator.validate(record({ schema, sql: 'SELECT 1; SELECT 2' }))).toMatchObject({
      ok: false,
      reason: 'multiple-statements',
    });
    expect(
      await validator.validate(record({ schema: 'CREATE TABLE broken (a INTEGER', sql: 'SELECT 1' })),
    ).toMatchObject({ ok: false, reason: 'invalid-schema' });
    expect(await validator.validate(record({ schema: '', sql: 'SELECT anything FROM anywhere' }))).toEqual({
      ok: true,
      validated: false,
      sql: 'SELECT anything FROM anywhere',
    });
    // Queries the schema-as-CTE fast path cannot take get the same verdicts from real tables.
    expect(
      await validator.validate(record({ schema, sql: "INSERT INTO head (age, name) VALUES (1, 'x')" })),
    ).toMatchObject({ ok: true });
    expect(await validator.validate(record({ schema, sql: 'SELECT main.head.age FROM main.head' }))).toMatchObject({
      ok: true,
    });
    expect(await validator.validate(record({ schema, sql: 'SELECT age FROM people' }))).toEqual({
      ok: false,
      reason: 'invalid-sql',
      detail: 'no such table: people',
    });
    expect(
      await validator.validate(
        record({ schema, sql: 'WITH old AS (SELECT name FROM head WHERE age > 60) SELECT COUNT(*) FROM old' }),
      ),
    ).toMatchObject({ ok: true });
    expect(
      await validator.validate(record({ schema: 'CREATE TABLE t (a INT NOT NULL NOT)', sql: 'SELECT a FROM t' })),
    ).toMatchObject({ ok: false, reason: 'invalid-schema' });
    // Switching back to an earlier schema re-creates it: nothing leaks between records.
    expect(
      await validator.validate(record({ schema: 'CREATE TABLE other (x INTEGER)', sql: 'SELECT name FROM head' })),
    ).toMatchObject({ ok: false, reason: 'invalid-sql' });
    await validator.close();
  });
});
