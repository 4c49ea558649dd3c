// Properties of unquoteStrings, run in a worker with a wall-clock limit (see unquote-strings.test.ts):
// an empty double-quoted name once made it loop forever.
import fc from 'fast-check';
import { sqlTokens } from './internal/sql-lexer.js';
import { sqlText } from './test-support/sql-text-arbitrary.js';
import { unquoteStrings } from './unquote-strings.js';

const names = new Set(['singer', 'name', 'country', 'rowid']);

export function emptyDoubleQuotedNames(): void {
  for (const sql of [
    'SELECT""FROM singer',
    'SELECT "" FROM singer',
    'SELECT name FROM singer WHERE name = ""',
    'SELECT name FROM singer WHERE "" = """"',
  ]) {
    // `""` may be a name (SQLite resolves it as one first): it stays, and a native error then goes to sql.js.
    const result = unquoteStrings({ sql, names });
    if (result === undefined || !result.quotedNames || !result.sql.includes('""'))
      throw new Error(`${sql} gave ${JSON.stringify(result)}`);
  }
}

export function neverThrowsAndLeavesAQueryWithoutDoubleQuotesAsItIs(): void {
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.constantFrom(
          '"',
          "'",
          'a',
          'as',
          ' ',
          '.',
          '(',
          ')',
          '-',
          '*',
          '/',
          '\n',
          'with',
          'name',
          'é',
          '[',
          ']',
          '`',
        ),
      }),
      (sql) => {
        const result = unquoteStrings({ sql, names });
        if (!sql.includes('"') && (result?.sql !== sql || result.quotedNames))
          throw new Error(`changed ${JSON.stringify(sql)}`);
      },
    ),
    { numRuns: 2000 },
  );
}

// Only double-quoted tokens change, each into the single-quoted string of its content.
export function rewritesOnlyDoubleQuotedTokens(): void {
  fc.assert(
    fc.property(sqlText(), (sql) => {
      const result = unquoteStrings({ sql, names });
      if (result === undefined) return;
      const before = [...sqlTokens({ sql })];
      const after = [...sqlTokens({ sql: result.sql })];
      if (after.length !== before.length)
        throw new Error(`${JSON.stringify(sql)} became ${JSON.stringify(result.sql)}: other tokens`);
      after.forEach((token, index) => {
        const original = before[index] as string;
        if (token === original) return;
        const content = original.slice(1, -1).replaceAll('""', '"');
        if (!original.startsWith('"') || token !== `'${content.replaceAll("'", "''")}'`)
          throw new Error(`${JSON.stringify(original)} became ${JSON.stringify(token)} in ${JSON.stringify(sql)}`);
      });
    }),
    { numRuns: 10_000 },
  );
}

// Many quoted strings, many distinct names with spaces: each once searched in the whole query was quadratic.
export function manyQuotedTokensInLinearTime(): void {
  const strings = Array.from({ length: 100_000 }, (_, index) => `name = "value ${index}"`).join(' OR ');
  const result = unquoteStrings({ sql: `SELECT name FROM singer WHERE ${strings}`, names });
  if (result?.sql.includes('"value 1"') && !result.quotedNames) throw new Error('a string was left double-quoted');
  const aliases = Array.from({ length: 100_000 }, () => '"x"').join(', ');
  if (unquoteStrings({ sql: `SELECT ${aliases} FROM singer`, names }) === undefined)
    throw new Error('gave up on repeated names');
}
