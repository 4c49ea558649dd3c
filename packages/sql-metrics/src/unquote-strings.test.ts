import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { unquoteStrings } from './unquote-strings.js';

const names = new Set(['singer', 'name', 'country', 'rowid']);
const module = new URL('./unquote-strings.properties.ts', import.meta.url);

describe('unquoteStrings', () => {
  it('writes in single quotes only the double-quoted tokens that can name nothing', () => {
    expect(unquoteStrings({ sql: 'SELECT name FROM singer WHERE country = "France"', names })).toEqual({
      sql: "SELECT name FROM singer WHERE country = 'France'",
      quotedNames: false,
    });
    expect(unquoteStrings({ sql: `SELECT name FROM singer WHERE name = "Stark's ""Park"""`, names })?.sql).toBe(
      `SELECT name FROM singer WHERE name = 'Stark''s "Park"'`,
    );
    // A column name, an alias of the query, a name double-quoted twice where an alias may be defined: kept.
    expect(unquoteStrings({ sql: 'SELECT "Name" FROM singer', names })).toEqual({
      sql: 'SELECT "Name" FROM singer',
      quotedNames: true,
    });
    expect(unquoteStrings({ sql: 'SELECT count(*) total FROM singer ORDER BY "total"', names })?.quotedNames).toBe(
      true,
    );
    expect(unquoteStrings({ sql: 'SELECT count(*) "n" FROM singer ORDER BY "n"', names })?.quotedNames).toBe(true);
    // The same string twice in value positions is still a string.
    expect(
      unquoteStrings({
        sql: 'SELECT 1 FROM singer WHERE country = "x" UNION SELECT 2 FROM singer WHERE country = "x"',
        names,
      })?.quotedNames,
    ).toBe(false);
    expect(unquoteStrings({ sql: 'SELECT 1 FROM singer WHERE "x" = "x"', names })?.sql).toBe(
      "SELECT 1 FROM singer WHERE 'x' = 'x'",
    );
  });

  it('rewrites double-quoted strings (DQS=0) but keeps double-quoted identifiers', () => {
    const identifiers = new Set(['no.', 'table_1']);
    expect(
      unquoteStrings({ sql: `SELECT "No." FROM "table_1" WHERE "No." = "It's" AND x = 'a"b'`, names: identifiers })
        ?.sql,
    ).toBe(`SELECT "No." FROM "table_1" WHERE "No." = 'It''s' AND x = 'a"b'`);
  });

  it('gives up on what it cannot decide', () => {
    for (const sql of [
      'SELECT x AS "y" FROM singer',
      'SELECT "t".name FROM singer AS t',
      'SELECT "lower"(name) FROM singer',
      'WITH t(a) AS (SELECT 1) SELECT "a" FROM t',
      'SELECT value FROM json_each("[1]")',
      'SELECT "open FROM singer',
    ]) {
      expect(unquoteStrings({ sql, names }), sql).toBeUndefined();
    }
    // Single quotes against a single-quoted string would join the two into one string.
    expect(unquoteStrings({ sql: `SELECT name FROM singer WHERE name IN ("a"'b')`, names })).toBeUndefined();
  });
});

// In a worker with a wall-clock limit: an endless loop (as on `""`) fails the test instead of stopping the suite.
describe('unquoteStrings properties', () => {
  it('ends on empty double-quoted names and keeps them', async () => {
    await checkPropertyInWorker({ module, exportName: 'emptyDoubleQuotedNames', timeoutMs: 120_000 });
  });

  it('never throws, and leaves a query without double quotes as it is', async () => {
    await checkPropertyInWorker({
      module,
      exportName: 'neverThrowsAndLeavesAQueryWithoutDoubleQuotesAsItIs',
      timeoutMs: 120_000,
    });
  });

  it('rewrites only double-quoted tokens, each into the single-quoted string of its content', async () => {
    await checkPropertyInWorker({ module, exportName: 'rewritesOnlyDoubleQuotedTokens', timeoutMs: 120_000 });
  });

  it('takes a query with 100,000 quoted tokens in its stride', async () => {
    await checkPropertyInWorker({ module, exportName: 'manyQuotedTokensInLinearTime', timeoutMs: 120_000 });
  });
});
