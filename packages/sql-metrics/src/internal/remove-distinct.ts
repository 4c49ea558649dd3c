// test-suite-sql-eval's `remove_distinct`: sqlparse's first statement, joined back without the tokens whose value
// is `distinct`. Strings, quoted names and comments are single tokens there, so a DISTINCT inside them stays.
// The splitter ends the first statement at a top-level `;`, plus the whitespace and `--` comments after it.
import { sqlTokens } from './sql-lexer.js';

const blank = /^\s+$/u;

/** The first statement of `sql` as sqlparse splits it, with every DISTINCT token removed. */
export function removeDistinct(sql: string): string {
  // The tokens cover the text, so without a `distinct` or a `;` (the only place the statement can end) it is unchanged.
  return !sql.includes(';') && !/distinct/i.test(sql) ? sql : removeDistinctTokens(sql);
}

/** {@link removeDistinct} token by token, whatever the text. */
export function removeDistinctTokens(sql: string): string {
  let output = '';
  let depth = 0;
  let ended = false;
  for (const token of sqlTokens({ sql, hashInNames: true })) {
    if (ended) {
      if (blank.test(token) || token.startsWith('--')) {
        output += token;
        continue;
      }
      break;
    }
    if (token === '(') depth += 1;
    else if (token === ')') depth -= 1;
    if (token.toLowerCase() !== 'distinct') output += token;
    if (token === ';' && depth <= 0) ended = true;
  }
  return output;
}

/** test-suite-sql-eval's `postprocess`: `> =`, `< =`, `! =` closed up. */
export function closeSpacedOperators(sql: string): string {
  return sql.replaceAll('> =', '>=').replaceAll('< =', '<=').replaceAll('! =', '!=');
}

/** `YEAR(CURDATE())` becomes 2020, as test-suite-sql-eval does before running a query. */
export function replaceCurrentYear(sql: string): string {
  return sql.replace(/YEAR\s*\(\s*CURDATE\s*\(\s*\)\s*\)\s*/gi, '2020');
}
