import { checkPropertyInWorker } from '@aquila/test-kit';
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

it('any text gives tables or none, never a throw or a hang; written tables read back (properties, in a worker with a wall-clock limit)', async () => {
  const module = new URL('./parse-create-tables.properties.ts', import.meta.url);
  await checkPropertyInWorker({ module, exportName: 'anyTextGivesTables', timeoutMs: 120_000 });
  await checkPropertyInWorker({ module, exportName: 'writtenTablesReadBack', timeoutMs: 120_000 });
  await checkPropertyInWorker({ module, exportName: 'columnTypeMatchesTheRegex', timeoutMs: 120_000 });
});

it('long adversarial text takes time in proportion to its length, not its square (in a worker: a regression fails, never blocks)', async () => {
  // Each input took seconds to minutes before (a scan or a regex retried from every statement); all together take well under a second now.
  await checkPropertyInWorker({
    module: new URL('./parse-create-tables.properties.ts', import.meta.url),
    exportName: 'adversarialTextIsFast',
    timeoutMs: 20_000,
  });
});
