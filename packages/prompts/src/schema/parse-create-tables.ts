/** One table read from CREATE TABLE statements. */
export interface SchemaTable {
  name: string;
  /** Whether the name was quoted; unquoted names fold to lower case in PostgreSQL. */
  quoted: boolean;
  columns: { name: string; type: string; quoted: boolean }[];
  /** `FOREIGN KEY (column) REFERENCES table (column)` and inline `REFERENCES` clauses. */
  foreignKeys: { column: string; table: string; referencedColumn: string }[];
  /** The statement's text, as found. */
  statement: string;
}

const constraintStart = /^(constraint|primary\s+key|foreign\s+key|unique|check|key|index)\b/i;

function unquote(identifier: string): string {
  const trimmed = identifier.trim();
  const first = trimmed[0];
  if ((first === '"' || first === '`' || first === '[') && trimmed.length >= 2) {
    const inner = trimmed.slice(1, -1);
    return first === '"' ? inner.replaceAll('""', '"') : first === '`' ? inner.replaceAll('``', '`') : inner;
  }
  return trimmed;
}

const closers: Record<string, string> = { '"': '"', '`': '`', '[': ']' };

/**
 * Reads one identifier (bare or quoted) at `from` in `text`, after any spaces; returns it, the index just past
 * it, and whether it was quoted. `find` looks for a closing quote (parseCreateTables passes a memo).
 */
function readIdentifier(
  text: string,
  from = 0,
  find = (close: string, at: number) => text.indexOf(close, at),
): [string, number, boolean] {
  let start = from;
  while (start < text.length && /\s/.test(text[start]!)) start++;
  const close = closers[text[start] ?? ''];
  if (close !== undefined) {
    let end = start + 1;
    for (;;) {
      end = find(close, end);
      if (end === -1) return [unquote(text.slice(start)), text.length, true];
      if (close !== ']' && text[end + 1] === close) end += 2;
      else break;
    }
    return [unquote(text.slice(start, end + 1)), end + 1, true];
  }
  const bare = /[^\s(),;]+/y;
  bare.lastIndex = start;
  const match = bare.exec(text);
  return match ? [match[0], start + match[0].length, false] : ['', start, false];
}

/**
 * Walks `text` from `from` at parenthesis depth 1 (just inside an opening parenthesis), skipping quoted
 * strings and identifiers; calls `onComma` at each comma of that level. Returns the index just past the
 * matching `)`, or -1 when the parentheses never balance.
 */
function scanParenthesised(text: string, from: number, onComma: (index: number) => void = () => {}): number {
  let depth = 1;
  let quote = '';
  for (let index = from; index < text.length; index++) {
    const character = text[index]!;
    if (quote !== '') {
      if (character === quote) quote = '';
    } else if (character === '"' || character === "'" || character === '`') quote = character;
    else if (character === '(') depth++;
    else if (character === ')' && --depth === 0) return index + 1;
    else if (character === ',' && depth === 1) onComma(index);
  }
  return -1;
}

/** Splits a parenthesised body on its top-level commas (outside parentheses and quotes). */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let start = 0;
  scanParenthesised(`${body})`, 0, (index) => {
    parts.push(body.slice(start, index));
    start = index + 1;
  });
  parts.push(body.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

/**
 * The index of the `)` closing the `(` at `open` (quotes skipped as in `scanParenthesised`), or -1. Every
 * parenthesis a scan passes is remembered in `closes`, so a later statement inside a stretch already scanned
 * jumps over it: many unclosed `CREATE TABLE t (` cost one pass over the text, not one pass each.
 */
function closingParenthesis(text: string, open: number, closes: Map<number, number>): number {
  const opened = [open];
  let quote = '';
  for (let index = open + 1; index < text.length; index++) {
    const character = text[index]!;
    if (quote !== '') {
      if (character === quote) quote = '';
    } else if (character === '"' || character === "'" || character === '`') quote = character;
    else if (character === '(') {
      const known = closes.get(index);
      if (known === -1) break;
      if (known === undefined) opened.push(index);
      else index = known;
    } else if (character === ')') {
      closes.set(opened.pop()!, index);
      if (opened.length === 0) return index;
    }
  }
  for (const parenthesis of opened) closes.set(parenthesis, -1);
  return -1;
}

const typeEnd = /(?:not|null|primary|references|default|unique|check|constraint|collate)\b/iy;

/**
 * The type at the start of a column definition's `rest`: a word (letters, digits, `_`, spaces) with an optional
 * `(…)`, the shortest that ends the definition or is followed by a constraint keyword. This is the regex
 * `^\s*([A-Za-z][\w ]*?(?:\([^)]*\))?)(?=\s+(?:not|null|…)\b|\s*$)` done in one pass: the regex backtracks
 * quadratically over long runs of spaces.
 */
export function columnType(rest: string): string | undefined {
  const begin = rest.search(/\S/);
  if (begin === -1 || !/[A-Za-z]/.test(rest[begin]!)) return undefined;
  let wordEnd = begin + 1;
  while (wordEnd < rest.length && /[\w ]/.test(rest[wordEnd]!)) wordEnd++;
  // Where the run of spaces from each position up to the word's end stops (past the word too, for other spaces).
  const spacesEnd = new Array<number>(wordEnd - begin + 1);
  let after = wordEnd;
  while (after < rest.length && /\s/.test(rest[after]!)) after++;
  spacesEnd[wordEnd - begin] = after;
  for (let position = wordEnd - 1; position > begin; position--)
    spacesEnd[position - begin] = rest[position] === ' ' ? spacesEnd[position - begin + 1]! : position;
  const endsType = (position: number, spaces: number): boolean => {
    if (spaces === rest.length) return true;
    typeEnd.lastIndex = spaces;
    return spaces > position && typeEnd.test(rest);
  };
  for (let end = begin + 1; end <= wordEnd; end++) {
    if (end === wordEnd && rest[end] === '(') {
      const close = rest.indexOf(')', end + 1);
      if (close !== -1) {
        let spaces = close + 1;
        while (spaces < rest.length && /\s/.test(rest[spaces]!)) spaces++;
        if (endsType(close + 1, spaces)) return rest.slice(begin, close + 1);
      }
    }
    if (endsType(end, spacesEnd[end - begin]!)) return rest.slice(begin, end);
  }
  return undefined;
}

/** Reads every `CREATE TABLE … ( … )` statement in `text` (SQLite, PostgreSQL or MySQL flavoured), with balanced parentheses. */
export function parseCreateTables(text: string): SchemaTable[] {
  const tables: SchemaTable[] = [];
  const closes = new Map<number, number>();
  // The last search for each quote character: a later search from inside the stretch it covered has the same
  // answer, so many names opening a quote that closes far away (or never) cost one search, not one each.
  const searches = new Map<string, { from: number; at: number }>();
  const find = (close: string, from: number): number => {
    const last = searches.get(close);
    if (last !== undefined && last.from <= from && (last.at === -1 || last.at >= from)) return last.at;
    const at = text.indexOf(close, from);
    searches.set(close, { from, at });
    return at;
  };
  // Only an optional `.name` (schema-qualified) may stand between the name and the parenthesis.
  const opening = /\s*(?:\.\s*[^\s(]+\s*)?\(/y;
  const start = /CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?/gi;
  for (let match = start.exec(text); match !== null; match = start.exec(text)) {
    const [name, nameEnd, quoted] = readIdentifier(text, match.index + match[0].length, find);
    opening.lastIndex = nameEnd;
    const parenthesis = opening.exec(text);
    if (name === '' || parenthesis === null) continue;
    const bodyStart = nameEnd + parenthesis[0].length;
    const close = closingParenthesis(text, bodyStart - 1, closes);
    if (close === -1) continue;
    const index = close + 1;
    const body = text.slice(bodyStart, index - 1);
    const table: SchemaTable = {
      name,
      quoted,
      columns: [],
      foreignKeys: [],
      statement: text.slice(match.index, index),
    };
    for (const part of splitTopLevel(body)) {
      const foreignKey =
        /^(?:constraint\s+\S+\s+)?foreign\s+key\s*\(([^)]*)\)\s*references\s+([^\s(]+)\s*\(([^)]*)\)/i.exec(part);
      if (foreignKey) {
        table.foreignKeys.push({
          column: unquote(foreignKey[1]!),
          table: unquote(foreignKey[2]!),
          referencedColumn: unquote(foreignKey[3]!),
        });
        continue;
      }
      if (constraintStart.test(part)) continue;
      const [column, columnEnd, columnQuoted] = readIdentifier(part);
      if (column === '') continue;
      const rest = part.slice(columnEnd);
      // Cut after the last `)`: a REFERENCES with no `)` after it cannot match, and trying each one to the end is quadratic.
      const inline = /references\s+([^\s(]+)\s*\(([^)]*)\)/i.exec(rest.slice(0, rest.lastIndexOf(')') + 1));
      if (inline) table.foreignKeys.push({ column, table: unquote(inline[1]!), referencedColumn: unquote(inline[2]!) });
      table.columns.push({ name: column, type: columnType(rest)?.trim() ?? rest.trim(), quoted: columnQuoted });
    }
    tables.push(table);
    start.lastIndex = index;
  }
  return tables;
}
