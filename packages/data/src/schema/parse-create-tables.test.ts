import { expect, it } from 'vitest';
import { parseCreateTables } from './parse-create-tables.js';

it('reads columns split on top-level commas only, past nested types and quoted names', () => {
  const [table, second] = parseCreateTables(
    'CREATE TABLE IF NOT EXISTS "order items" (id INTEGER PRIMARY KEY, "a,b" TEXT, price DECIMAL(10, 2) NOT NULL, note VARCHAR(20) DEFAULT \'x, (y\', ' +
      'owner INT REFERENCES people(id), FOREIGN KEY (price) REFERENCES prices (value));\nCREATE TABLE t2 (x int)',
  );
  expect(table).toMatchObject({ name: 'order items', quoted: true });
  expect(table?.columns).toEqual([
    { name: 'id', type: 'INTEGER', quoted: false },
    { name: 'a,b', type: 'TEXT', quoted: true },
    { name: 'price', type: 'DECIMAL(10, 2)', quoted: false },
    { name: 'note', type: 'VARCHAR(20)', quoted: false },
    { name: 'owner', type: 'INT', quoted: false },
  ]);
  expect(table?.foreignKeys).toEqual([
    { column: 'owner', table: 'people', referencedColumn: 'id' },
    { column: 'price', table: 'prices', referencedColumn: 'value' },
  ]);
  expect(second?.columns.map((column) => column.name)).toEqual(['x']);
});

it('skips a statement whose parentheses never close', () => {
  expect(parseCreateTables('CREATE TABLE broken (a int, b text')).toEqual([]);
});
