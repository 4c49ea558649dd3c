import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { SchemaError } from '../errors.js';
import { parseTablesJson } from './parse-tables-json.js';

const entry = {
  db_id: 'shop',
  table_names_original: ['item'],
  column_names_original: [
    [-1, '*'],
    [0, 'id'],
    [0, 'name'],
  ],
  foreign_keys: [],
};
const parse = (value: unknown): Map<string, unknown> => parseTablesJson(JSON.stringify(value), 'tables.json');

describe('parseTablesJson', () => {
  it('reads Spider schema entries by db_id', () => {
    expect([...parse([entry]).keys()]).toEqual(['shop']);
  });

  it('names the file, the entry and what is wrong, where schemaFromTablesJson would have thrown a TypeError', () => {
    const cases: [unknown, RegExp][] = [
      [
        { ...entry, table_names_original: [7] },
        /entry 0 is not a Spider schema \(db_id "shop": table_names_original is not an array of names\)/,
      ],
      [
        {
          ...entry,
          column_names_original: [
            [-1, '*'],
            [3, 'id'],
          ],
        },
        /entry 0 .*column_names_original\[1\] is not \[table index, name\]/,
      ],
      [{ ...entry, foreign_keys: [[1, 9]] }, /entry 0 .*foreign_keys\[0\] is not a pair of column indices/],
      [{ ...entry, db_id: 3 }, /entry 0 is not a Spider schema \(db_id is not a string\)/],
      [null, /entry 0 is not a Spider schema \(it is not an object\)/],
    ];
    for (const [value, message] of cases) {
      expect(() => parse([value])).toThrow(SchemaError);
      expect(() => parse([value])).toThrow(message);
    }
    expect(() => parse({ entries: [] })).toThrow(/tables\.json: tables\.json must be a JSON array/);
    expect(() => parseTablesJson('[{"db_id": 1,\n ]', 'tables.json')).toThrow(
      /^tables\.json:2: tables\.json is not valid JSON/,
    );
  });
});

// In a worker with a wall-clock limit: a reader stuck in a loop fails the test instead of stopping the suite.
describe('parseTablesJson properties', () => {
  it('gives entries the schema builders take, or a SchemaError naming the file, on any JSON', async () => {
    await checkPropertyInWorker({
      module: new URL('./parse-tables-json.properties.ts', import.meta.url),
      exportName: 'givesSchemasOrSchemaError',
      timeoutMs: 120_000,
    });
  });
});
