import { readFileSync } from 'node:fs';
import { checkPropertyInWorker, spiderDirectory } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { SqlParseError } from './errors.js';
import { parseSql } from './parse-sql.js';
import { schemaFromTablesJson, type TablesJsonEntry } from './schema.js';
import { tokenizeSql } from './tokenize-sql.js';

const tables = JSON.parse(readFileSync(`${spiderDirectory}tables.json`, 'utf8')) as TablesJsonEntry[];
const schema = schemaFromTablesJson(tables.find((entry) => entry.db_id === 'concert_singer') as TablesJsonEntry);

// Every failure must be a SqlParseError (upstream's exception becomes an empty SQL), never another error.
function parseOrReject(sql: string): 'parsed' | 'rejected' {
  try {
    parseSql({ sql, schema });
    return 'parsed';
  } catch (error) {
    if (!SqlParseError.isInstance(error)) throw error;
    return 'rejected';
  }
}

const module = new URL('./parse-sql.properties.ts', import.meta.url);

describe('tokenizeSql', () => {
  it('follows process_sql.tokenize on the quirks it is known for', () => {
    expect(tokenizeSql("SELECT name FROM singer WHERE country = 'France' AND age >= 20")).toEqual([
      'select',
      'name',
      'from',
      'singer',
      'where',
      'country',
      '=',
      '"France"',
      'and',
      'age',
      '>=',
      '20',
    ]);
    expect(tokenizeSql('select count(*) from t where a != 1;')).toEqual([
      'select',
      'count',
      '(',
      '*',
      ')',
      'from',
      't',
      'where',
      'a',
      '!=',
      '1',
      ';',
    ]);
    // NLTK keeps `a=b` and `1,2` whole and splits a final period.
    expect(tokenizeSql('select a=b from t where x in (1,2).')).toEqual([
      'select',
      'a=b',
      'from',
      't',
      'where',
      'x',
      'in',
      '(',
      '1,2',
      ')',
      '.',
    ]);
    expect(() => tokenizeSql(`SELECT capacity FROM stadium WHERE name = "Stark's Park"`)).toThrow(SqlParseError);
  });

  // In a worker with a wall-clock limit: a tokenizer stuck in a loop fails the test instead of stopping the suite.
  it('never crashes on arbitrary text', async () => {
    await checkPropertyInWorker({ module, exportName: 'tokenizesAnyTextOrThrowsSqlParseError', timeoutMs: 120_000 });
  });

  it('gives the tokens of upstream, written as it is, on SQL-shaped text', async () => {
    await checkPropertyInWorker({ module, exportName: 'tokenizesAsUpstream', timeoutMs: 120_000 });
  });

  it('takes 200,000 strings or comparisons in linear time (it copied the text for each)', async () => {
    await checkPropertyInWorker({ module, exportName: 'manyStringsAndComparisonsInLinearTime', timeoutMs: 120_000 });
  });
});

describe('parseSql', () => {
  it('parses the Spider grammar and rejects what upstream rejects', () => {
    const sql = parseSql({
      sql: 'SELECT T1.name FROM singer AS T1 JOIN concert AS T2 ON T1.singer_id = T2.concert_id WHERE T1.age > 30 ORDER BY T1.age DESC LIMIT 3',
      schema,
    });
    expect(sql.select).toEqual([false, [[0, [0, [0, '__singer.name__', false], null]]]]);
    expect(sql.from.table_units).toEqual([
      ['table_unit', '__singer__'],
      ['table_unit', '__concert__'],
    ]);
    expect(sql.orderBy).toEqual(['desc', [[0, [0, '__singer.age__', false], null]]]);
    expect(sql.limit).toBe(1);
    for (const rejected of [
      'SELECT name AS n FROM singer',
      'SELECT name FROM singer WHERE age IS NOT NULL',
      'SELECT T1.name FROM singer AS T1 LEFT JOIN concert AS T2 ON T1.singer_id = T2.concert_id',
      'SELECT name FROM singer LIMIT',
      '',
    ]) {
      expect(parseOrReject(rejected)).toBe('rejected');
    }
  });

  it('rejects queries nested past its limit instead of overflowing the stack', () => {
    expect(
      parseOrReject(
        `${'SELECT name FROM singer WHERE age IN ('.repeat(5000)}SELECT age FROM singer${')'.repeat(5000)}`,
      ),
    ).toBe('rejected');
    expect(parseOrReject(Array.from({ length: 5000 }, () => 'SELECT name FROM singer').join(' UNION '))).toBe(
      'rejected',
    );
    expect(parseOrReject(Array.from({ length: 150 }, () => 'SELECT name FROM singer').join(' UNION '))).toBe('parsed');
  });

  it('never crashes or hangs on arbitrary text', async () => {
    await checkPropertyInWorker({ module, exportName: 'parsesOrRejectsAnyText', timeoutMs: 120_000 });
  });

  it('never crashes or hangs on SQL-shaped token soup', async () => {
    await checkPropertyInWorker({ module, exportName: 'parsesOrRejectsTokenSoup', timeoutMs: 120_000 });
  });

  it('never crashes or hangs on SQL-shaped text', async () => {
    await checkPropertyInWorker({ module, exportName: 'parsesOrRejectsSqlText', timeoutMs: 120_000 });
  });
});
