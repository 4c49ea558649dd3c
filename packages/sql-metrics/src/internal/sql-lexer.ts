// A scanner for the SQL-ish text that predictions are: strings, quoted names, comments, names, blanks, and any
// other character alone. Loops with indexOf and sticky runs, not one regex with an alternation inside a repetition:
// V8 keeps a backtracking entry per repetition, so such a regex overflows its stack on one 10 MB string literal.

const nameRun = /[\p{L}\p{N}_$]+/uy;
const nameRunWithHash = /[\p{L}\p{N}_$#]+/uy;
const spaceRun = /\s+/uy;

export interface SqlTokensOptions {
  sql: string;
  /** Count `#` as a name character too (sqlparse's names). */
  hashInNames?: boolean;
}

// After a quoted string or name opened at `start`: a doubled quote is part of it; unclosed, it runs to the end.
function closeQuote(sql: string, start: number, quote: string): number {
  let index = start + 1;
  for (;;) {
    const close = sql.indexOf(quote, index);
    if (close < 0) return sql.length;
    if (sql[close + 1] !== quote) return close + 1;
    index = close + 2;
  }
}

// After the token closed by `close` (a backtick, `]`, `*/`) or at the end, when it is not closed.
function closeAt(sql: string, start: number, close: string): number {
  const at = sql.indexOf(close, start);
  return at < 0 ? sql.length : at + close.length;
}

function run(pattern: RegExp, sql: string, start: number): number {
  pattern.lastIndex = start;
  return pattern.test(sql) ? pattern.lastIndex : start;
}

/** Where the token starting at `start` ends. */
function tokenEnd(sql: string, start: number, names: RegExp): number {
  const character = sql[start];
  if (character === "'" || character === '"') return closeQuote(sql, start, character);
  if (character === '`') return closeAt(sql, start + 1, '`');
  if (character === '[') return closeAt(sql, start + 1, ']');
  if (sql.startsWith('--', start)) {
    const newline = sql.indexOf('\n', start + 2);
    return newline < 0 ? sql.length : newline;
  }
  if (sql.startsWith('/*', start)) return closeAt(sql, start + 2, '*/');
  const name = run(names, sql, start);
  if (name > start) return name;
  const space = run(spaceRun, sql, start);
  if (space > start) return space;
  return start + ((sql.codePointAt(start) as number) > 0xffff ? 2 : 1);
}

/**
 * The tokens of `sql`, covering it: `'…'` and `"…"` strings (a doubled quote inside, unclosed to the end),
 * `` `…` `` and `[…]` names, `--` and block comments, runs of name characters, runs of whitespace, and any other
 * character (code point) alone.
 */
export function* sqlTokens(options: SqlTokensOptions): Generator<string> {
  const { sql } = options;
  const names = options.hashInNames === true ? nameRunWithHash : nameRun;
  for (let start = 0; start < sql.length; ) {
    const end = tokenEnd(sql, start, names);
    yield sql.slice(start, end);
    start = end;
  }
}

/**
 * The index of the first character from `start` that is neither SQLite whitespace nor inside a comment, nor one
 * of the characters in `also` (`(` before a query, `;` between statements).
 */
export function skipSqlBlank(sql: string, start: number, also: string): number {
  let index = start;
  while (index < sql.length) {
    const character = sql[index] as string;
    if (' \t\n\f\r'.includes(character) || also.includes(character)) index += 1;
    else if (sql.startsWith('--', index)) index = closeAt(sql, index + 2, '\n');
    else if (sql.startsWith('/*', index)) index = closeAt(sql, index + 2, '*/');
    else break;
  }
  return index;
}

/** Nothing for SQLite to run: only whitespace, comments and semicolons. */
export function isBlankSql(sql: string): boolean {
  return skipSqlBlank(sql, 0, ';') === sql.length;
}
