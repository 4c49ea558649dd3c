// Properties of the SQL scanner, run in a worker with a wall-clock limit (see sql-lexer.test.ts).
import fc from 'fast-check';
import { sqlText } from '../test-support/sql-text-arbitrary.js';
import { readsOnly } from './database-session.js';
import { isBlankSql, skipSqlBlank, sqlTokens } from './sql-lexer.js';

// The regexes the scanner replaces: the same tokens wherever they do not overflow (short text).
const regexTokens =
  /'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`[^`]*`?|\[[^\]]*\]?|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|[\p{L}\p{N}_$]+|\s+|[\s\S]/gu;
const regexTokensWithHash =
  /'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`[^`]*`?|\[[^\]]*\]?|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|[\p{L}\p{N}_$#]+|\s+|[\s\S]/gu;
// Blanks as SQLite reads them: a block comment ends at its first `*/` (the regexes replaced let a comment run on
// past it when that made the whole match, so `/* c */SELECT 2` after a first statement passed for blank).
const regexBlank = /^(?:[ \t\f\n\r;]|--[^\n]*(?:\n|$)|\/\*(?:(?!\*\/)[\s\S])*(?:\*\/|$))*$/;
const regexReadOnly = /^(?:[ \t\f\n\r(]|--[^\n]*(?:\n|$)|\/\*(?:(?!\*\/)[\s\S])*(?:\*\/|$))*(?:select|with|values)\b/i;

export function tokensAsTheRegexFindThem(): void {
  fc.assert(
    fc.property(sqlText(), (sql) => {
      const tokens = [...sqlTokens({ sql })];
      if (tokens.join('') !== sql) throw new Error(`the tokens do not cover ${JSON.stringify(sql)}`);
      if (JSON.stringify(tokens) !== JSON.stringify(sql.match(regexTokens) ?? []))
        throw new Error(`other tokens than the regex's for ${JSON.stringify(sql)}`);
      if (
        JSON.stringify([...sqlTokens({ sql, hashInNames: true })]) !==
        JSON.stringify(sql.match(regexTokensWithHash) ?? [])
      )
        throw new Error(`other tokens (# in names) for ${JSON.stringify(sql)}`);
    }),
    { numRuns: 10_000 },
  );
}

export function blanksAsTheRegexFindThem(): void {
  fc.assert(
    fc.property(sqlText(12), (sql) => {
      if (isBlankSql(sql) !== regexBlank.test(sql))
        throw new Error(`isBlankSql differs from the regex on ${JSON.stringify(sql)}`);
      if (readsOnly(sql) !== regexReadOnly.test(sql))
        throw new Error(`readsOnly differs from the regex on ${JSON.stringify(sql)}`);
      if (skipSqlBlank(sql, 0, '') > sql.length) throw new Error('past the end');
    }),
    { numRuns: 10_000 },
  );
}

// What made the regexes overflow their stack (one 10 MB token) or take exponential time (many comments in a row).
export function hugeTokensAndCommentRuns(): void {
  const literal = `SELECT '${'x'.repeat(10_000_000)}'`;
  if ([...sqlTokens({ sql: literal })].length !== 3) throw new Error('a 10 MB literal is not one token');
  const quoted = `"${'a""'.repeat(2_000_000)}"`;
  if ([...sqlTokens({ sql: quoted })].length !== 1) throw new Error('a 6 MB double-quoted name is not one token');
  if (readsOnly(`${'/**/'.repeat(200)} x`) || !readsOnly(`${'/**/('.repeat(200)}SELECT 1`))
    throw new Error('readsOnly is wrong after comments');
  if (isBlankSql(`${'/**/ -- c\n;'.repeat(100_000)}x`) || !isBlankSql(`${'/**/ -- c\n;'.repeat(100_000)}`))
    throw new Error('isBlankSql is wrong after comments');
}
