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

/** Reads one identifier (bare or quoted) at the start of `text`; returns it, the rest, and whether it was quoted. */
function readIdentifier(text: string): [string, string, boolean] {
  const trimmed = text.trimStart();
  const close = { '"': '"', '`': '`', '[': ']' }[trimmed[0] ?? ''];
  if (close !== undefined) {
    let end = 1;
    for (;;) {
      end = trimmed.indexOf(close, end);
      if (end === -1) return [unquote(trimmed), '', true];
      if (close !== ']' && trimmed[end + 1] === close) end += 2;
      else break;
    }
    return [unquote(trimmed.slice(0, end + 1)), trimmed.slice(end + 1), true];
  }
  const match = /^[^\s(),;]+/.exec(trimmed);
  return match ? [match[0], trimmed.slice(match[0].length), false] : ['', trimmed, false];
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

/** Reads every `CREATE TABLE … ( … )` statement in `text` (SQLite, PostgreSQL or MySQL flavoured), with balanced parentheses. */
export function parseCreateTables(text: string): SchemaTable[] {
  const tables: SchemaTable[] = [];
  const start = /CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?/gi;
  for (let match = start.exec(text); match !== null; match = start.exec(text)) {
    const [name, afterName, quoted] = readIdentifier(text.slice(match.index + match[0].length));
    const open = afterName.indexOf('(');
    if (name === '' || open === -1 || afterName.slice(0, open).trim().replace(/^\.\s*\S+/, '') !== '') continue;
    const bodyStart = text.length - afterName.length + open + 1;
    const index = scanParenthesised(text, bodyStart);
    if (index === -1) continue;
    const body = text.slice(bodyStart, index - 1);
    const table: SchemaTable = { name, quoted, columns: [], foreignKeys: [], statement: text.slice(match.index, index) };
    for (const part of splitTopLevel(body)) {
      const foreignKey = /^(?:constraint\s+\S+\s+)?foreign\s+key\s*\(([^)]*)\)\s*references\s+([^\s(]+)\s*\(([^)]*)\)/i.exec(part);
      if (foreignKey) {
        table.foreignKeys.push({ column: unquote(foreignKey[1]!), table: unquote(foreignKey[2]!), referencedColumn: unquote(foreignKey[3]!) });
        continue;
      }
      if (constraintStart.test(part)) continue;
      const [column, rest, columnQuoted] = readIdentifier(part);
      if (column === '') continue;
      const inline = /references\s+([^\s(]+)\s*\(([^)]*)\)/i.exec(rest);
      if (inline) table.foreignKeys.push({ column, table: unquote(inline[1]!), referencedColumn: unquote(inline[2]!) });
      const type = /^\s*([A-Za-z][\w ]*?(?:\([^)]*\))?)(?=\s+(?:not|null|primary|references|default|unique|check|constraint|collate)\b|\s*$)/i.exec(rest);
      table.columns.push({ name: column, type: type ? type[1]!.trim() : rest.trim(), quoted: columnQuoted });
    }
    tables.push(table);
    start.lastIndex = index;
  }
  return tables;
}
