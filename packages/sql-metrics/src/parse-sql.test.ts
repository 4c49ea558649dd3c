import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqlParseError } from './errors.js';
import { spiderDirectory } from './internal/test-fixtures.js';
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

const words = [
  'select', 'from', 'where', 'group', 'by', 'order', 'having', 'limit', 'intersect', 'union', 'except', 'join', 'on', 'as',
  'and', 'or', 'not', 'in', 'like', 'between', 'is', 'exists', 'distinct', 'count', 'max', 'min', 'avg', 'sum', 'none', 'asc', 'desc',
  'singer', 'stadium', 'concert', 'name', 'age', 'singer_id', 'T1', 'T2', 'T1.name', 'T2.age', '*', '(', ')', ',', ';', '=', '>', '<', '!',
  '-', '+', '/', '"x"', "'y'", '3', '4.5', 'value', '.', '..',
];

describe('tokenizeSql', () => {
  it('follows process_sql.tokenize on the quirks it is known for', () => {
    expect(tokenizeSql("SELECT name FROM singer WHERE country = 'France' AND age >= 20")).toEqual([
      'select', 'name', 'from', 'singer', 'where', 'country', '=', '"France"', 'and', 'age', '>=', '20',
    ]);
    expect(tokenizeSql('select count(*) from t where a != 1;')).toEqual(['select', 'count', '(', '*', ')', 'from', 't', 'where', 'a', '!=', '1', ';']);
    // NLTK keeps `a=b` and `1,2` whole and splits a final period.
    expect(tokenizeSql('select a=b from t where x in (1,2).')).toEqual(['select', 'a=b', 'from', 't', 'where', 'x', 'in', '(', '1,2', ')', '.']);
    expect(() => tokenizeSql(`SELECT capacity FROM stadium WHERE name = "Stark's Park"`)).toThrow(SqlParseError);
  });

  it('never crashes on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        try {
          expect(Array.isArray(tokenizeSql(text))).toBe(true);
        } catch (error) {
          if (!SqlParseError.isInstance(error)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseSql', () => {
  it('parses the Spider grammar and rejects what upstream rejects', () => {
    const sql = parseSql({ sql: 'SELECT T1.name FROM singer AS T1 JOIN concert AS T2 ON T1.singer_id = T2.concert_id WHERE T1.age > 30 ORDER BY T1.age DESC LIMIT 3', schema });
    expect(sql.select).toEqual([false, [[0, [0, [0, '__singer.name__', false], null]]]]);
    expect(sql.from.table_units).toEqual([['table_unit', '__singer__'], ['table_unit', '__concert__']]);
    expect(sql.orderBy).toEqual(['desc', [[0, [0, '__singer.age__', false], null]]]);
    expect(sql.limit).toBe(1);
    for (const rejected of ['SELECT name AS n FROM singer', 'SELECT name FROM singer WHERE age IS NOT NULL', 'SELECT T1.name FROM singer AS T1 LEFT JOIN concert AS T2 ON T1.singer_id = T2.concert_id', 'SELECT name FROM singer LIMIT', '']) {
      expect(parseOrReject(rejected)).toBe('rejected');
    }
  });

  it('never crashes or hangs on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        parseOrReject(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('never crashes or hangs on SQL-shaped token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 40 }), (tokens) => {
        parseOrReject(tokens.join(' '));
        parseOrReject(`select ${tokens.join(' ')}`);
      }),
      { numRuns: 5000 },
    );
  });
});
