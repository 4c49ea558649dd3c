import { readdirSync, readFileSync } from 'node:fs';
import { checkPropertyInWorker, spiderDirectory } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { readSqliteSchema } from './read-sqlite-schema.js';
import { openDatabaseCopy } from './sql-js.js';

// The reference: what SQLite itself says, the way upstream asks it.
async function sqliteSays(bytes: Uint8Array): Promise<[string, string[]][]> {
  const database = await openDatabaseCopy(bytes);
  try {
    const names = database.exec("SELECT name FROM sqlite_master WHERE type='table';")[0]?.values ?? [];
    return names.map(([name]) => [
      String(name),
      (database.exec(`PRAGMA table_info('${String(name)}')`)[0]?.values ?? []).map((column) => String(column[1])),
    ]);
  } finally {
    database.close();
  }
}

describe('readSqliteSchema', () => {
  it('reads the same tables and columns as SQLite from every Spider dev database', async () => {
    for (const folder of ['database', 'database_match_only']) {
      for (const name of readdirSync(`${spiderDirectory}${folder}`)) {
        const bytes = readFileSync(`${spiderDirectory}${folder}/${name}/${name}.sqlite`);
        expect(readSqliteSchema(bytes), name).toEqual(await sqliteSays(bytes));
      }
    }
  });

  it('follows SQLite on quoting, constraints, overflow pages, interior pages and CREATE … AS', async () => {
    const database = await openDatabaseCopy(new Uint8Array());
    database.exec(`
      CREATE TABLE "Odd ""name"" (x" ("first col" INTEGER PRIMARY KEY, [second] TEXT DEFAULT ',', \`third\` REAL CHECK (third > 0 AND third IN (1, 2)), 'fourth', /* c, d */ fifth -- e, f
        NUMERIC, CONSTRAINT pk UNIQUE (fifth), FOREIGN KEY (fifth) REFERENCES other(x));
      CREATE TABLE wide (${Array.from({ length: 400 }, (_, index) => `column_with_a_long_name_${index} VARCHAR(255) NOT NULL DEFAULT 'x'`).join(', ')});
      CREATE TABLE copy AS SELECT 1 AS a, 'b' AS "B b";
      CREATE TABLE keyless (a PRIMARY KEY, b) WITHOUT ROWID;
      ${Array.from({ length: 300 }, (_, index) => `CREATE TABLE t${index} (id INTEGER, value_${index} TEXT);`).join('\n')}
      CREATE INDEX i ON t1 (id);
      CREATE VIEW v AS SELECT * FROM t1;
    `);
    const bytes = database.export();
    database.close();
    const read = readSqliteSchema(bytes);
    expect(read).toEqual(await sqliteSays(bytes));
    expect(read?.[0]).toEqual(['Odd "name" (x', ['first col', 'second', 'third', 'fourth', 'fifth']]);
    expect(read).toHaveLength(304);
  });

  it('declines what it does not read, so SQLite is asked instead', () => {
    expect(readSqliteSchema(new Uint8Array(50))).toBeUndefined();
    expect(readSqliteSchema(new TextEncoder().encode('SQLite format 3\u0000'.padEnd(4096, '\u0000')))).toBeUndefined();
  });
});

// In a worker with a wall-clock limit: a walk that does not end fails the test instead of stopping the suite.
describe('readSqliteSchema on damaged files', () => {
  const module = new URL('./read-sqlite-schema.properties.ts', import.meta.url);

  it('declines b-trees whose pages are shared (a walk of 1000^6 pages), and impossible page sizes', async () => {
    await checkPropertyInWorker({ module, exportName: 'bTreesThatShareAPage', timeoutMs: 120_000 });
  });

  it('gives names or declines, whatever bytes are damaged', async () => {
    await checkPropertyInWorker({ module, exportName: 'damagedFilesGiveASchemaOrNothing', timeoutMs: 120_000 });
  });
});
