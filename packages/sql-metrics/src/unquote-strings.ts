// Spider writes strings in double quotes (`WHERE country = "France"`). SQLite with double-quoted string literals
// on (Python's sqlite3, sql.js) first resolves `"France"` as a name and takes it as a string only where no name
// matches; the native engine (built with DQS=0) raises an error instead. A double-quoted token that can name
// nothing in any scope is a string under DQS, so it may be written in single quotes. Tokens that might name
// something stay as they are: if the query then runs natively, each of them resolved as a name, as under DQS.

import { sqlTokens } from './internal/sql-lexer.js';

const word = /^[\p{L}\p{N}_$]/u;
const wordOnly = /^[\p{L}\p{N}_$]+$/u;
const words = /[\p{L}\p{N}_$]+/gu;
const blank = /^(?:\s|--|\/\*)/u;
const nameCharacter = /[\p{L}\p{N}_$]/u;

// Names other than plain words are searched for in the query's text, each a scan of it: past this many characters
// scanned, the query is left to sql.js (which decides as DQS does) rather than scanned on.
const searchBudget = 1 << 24;

// Eponymous virtual tables (json_each(…), pragma_table_info(…), …) bring column names the schema does not list.
const virtualTable =
  /^(?:json_each|json_tree|jsonb_each|jsonb_tree|dbstat|sqlite_dbpage|sqlite_stmt|generate_series|carray|pragma_.*)$/;

// After these an expression starts, so a token there is a value, never an alias being defined (`count(*) "n"`).
const valueBefore = new Set([
  'like',
  'glob',
  'regexp',
  'match',
  'in',
  'is',
  'not',
  'and',
  'or',
  'between',
  'when',
  'then',
  'else',
  'case',
  'where',
  'having',
  'on',
  'select',
  'by',
  'distinct',
  'all',
  'escape',
]);

function inValuePosition(previous: string | undefined): boolean {
  if (previous === undefined) return false;
  if (word.test(previous)) return valueBefore.has(previous);
  return previous.length === 1 && previous !== ')' && previous !== ']';
}

/** Names every SQLite database has besides its own tables and columns: rowid aliases and sqlite_schema's. */
export const builtInNames: readonly string[] = [
  'rowid',
  'oid',
  '_rowid_',
  'sqlite_master',
  'sqlite_schema',
  'sqlite_temp_master',
  'sqlite_temp_schema',
  'type',
  'name',
  'tbl_name',
  'rootpage',
  'sql',
];

export interface UnquotedSql {
  /** The statement with its provable string literals in single quotes. */
  sql: string;
  /** Some double-quoted token was left as it was: a native error may be a DQS difference, not the query's own. */
  quotedNames: boolean;
}

// Whether `name` occurs in the query's text as a name would: with no name character right before or after it.
// A plain word is looked up among the text's words; anything else is searched for, within the budget (undefined
// past it). The empty name (`""`) may be a name SQLite resolves: it counts as one.
class NameSearch {
  private readonly words: ReadonlySet<string>;
  private readonly found = new Map<string, boolean>();
  private budget = searchBudget;

  constructor(private readonly text: string) {
    this.words = new Set(text.match(words));
  }

  occurs(name: string): boolean | undefined {
    if (name === '') return true;
    if (wordOnly.test(name)) return this.words.has(name);
    let found = this.found.get(name);
    if (found === undefined) {
      this.budget -= this.text.length;
      if (this.budget < 0) return undefined;
      found = this.scan(name);
      this.found.set(name, found);
    }
    return found;
  }

  private scan(name: string): boolean {
    const { text } = this;
    for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
      const before = text[at - 1];
      const after = text[at + name.length];
      if ((before === undefined || !nameCharacter.test(before)) && (after === undefined || !nameCharacter.test(after)))
        return true;
    }
    return false;
  }
}

export interface UnquoteStringsOptions {
  sql: string;
  /** The database's table and column names, in lower case. */
  names: ReadonlySet<string>;
}

/**
 * Rewrites the double-quoted string literals of `sql` into single quotes where that is provably what SQLite with
 * DQS does. Undefined where the query is outside what this can decide (a CTE, an eponymous virtual table, a
 * double-quoted alias or function name).
 */
export function unquoteStrings(options: UnquoteStringsOptions): UnquotedSql | undefined {
  const { sql, names } = options;
  if (!sql.includes('"')) return { sql, quotedNames: false };
  const tokens = [...sqlTokens({ sql })];
  const significant = tokens.map((token, index) => (blank.test(token) ? -1 : index)).filter((index) => index >= 0);
  // The query's own text outside double quotes, where any alias, CTE column or derived column name appears.
  const rest = new NameSearch(
    tokens
      .map((token) => (token.startsWith('"') ? ' ' : token))
      .join('')
      .toLowerCase(),
  );
  for (const token of tokens)
    if (word.test(token) && (token.toLowerCase() === 'with' || virtualTable.test(token.toLowerCase())))
      return undefined;
  const quoted = significant.flatMap((index, position) => {
    const token = tokens[index] as string;
    return token.startsWith('"')
      ? [
          {
            index,
            token,
            previous: tokens[significant[position - 1] ?? -1]?.toLowerCase(),
            next: tokens[significant[position + 1] ?? -1],
          },
        ]
      : [];
  });
  // A name double-quoted where an alias may be defined: each of its double-quoted uses may refer to that alias.
  const maybeAliases = new Set(
    quoted.filter((item) => !inValuePosition(item.previous)).map((item) => item.token.toLowerCase()),
  );
  const uses = new Map<string, number>();
  for (const { token } of quoted) uses.set(token.toLowerCase(), (uses.get(token.toLowerCase()) ?? 0) + 1);
  let quotedNames = false;
  for (const { index, token, previous, next } of quoted) {
    if (token.length < 2 || !token.endsWith('"')) return undefined;
    // An alias being defined, a qualified name, a function name: not a value position.
    if (previous === 'as' || previous === '.' || next === '(' || next === '.') return undefined;
    const content = token.slice(1, -1).replaceAll('""', '"');
    const lower = content.toLowerCase();
    const named = names.has(lower) || rest.occurs(lower);
    if (named === undefined) return undefined;
    if (named || (maybeAliases.has(token.toLowerCase()) && (uses.get(token.toLowerCase()) as number) > 1)) {
      quotedNames = true;
      continue;
    }
    // Against a single quote (`"a"'b'`), single quotes would join both into one string (`'a''b'`).
    if (tokens[index - 1]?.endsWith("'") === true || tokens[index + 1]?.startsWith("'") === true) return undefined;
    tokens[index] = `'${content.replaceAll("'", "''")}'`;
  }
  return { sql: tokens.join(''), quotedNames };
}
