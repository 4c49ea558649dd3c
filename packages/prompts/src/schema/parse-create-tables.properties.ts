// Properties of the CREATE TABLE reader (it reads prompts and schemas from user files), run in a worker with a
// wall-clock limit (parse-create-tables.test.ts).
import fc from 'fast-check';
import { columnType, parseCreateTables } from './parse-create-tables.js';

const sqlUnit = fc.constantFrom(
  'CREATE TABLE ',
  'create temp table ',
  'IF NOT EXISTS ',
  't',
  '"a b"',
  '`q`',
  '[x]',
  '"',
  '`',
  '[',
  ']',
  "'",
  '(',
  ')',
  ',',
  ';',
  ' ',
  '\n',
  'INT',
  'VARCHAR(10)',
  'DECIMAL(10, 2)',
  ' NOT NULL',
  ' PRIMARY KEY',
  'FOREIGN KEY (a) REFERENCES b (c)',
  ' REFERENCES p(id)',
  'CONSTRAINT k ',
  'é',
  '.',
);

/** Any text gives a list of tables whose statements are pieces of the text, in order, and never a throw or a hang. */
export function anyTextGivesTables(): void {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: sqlUnit, maxLength: 40 }), fc.string({ maxLength: 80 })), (text) => {
      let from = 0;
      for (const table of parseCreateTables(text)) {
        const at = text.indexOf(table.statement, from);
        if (at === -1 || !/^create\s/i.test(table.statement) || !table.statement.endsWith(')'))
          throw new Error(`${JSON.stringify(table.statement)} is not a CREATE TABLE piece of the text in order`);
        if (
          typeof table.name !== 'string' ||
          table.columns.some((column) => typeof column.name !== 'string' || column.name === '')
        )
          throw new Error(`bad table ${JSON.stringify(table)}`);
        from = at + table.statement.length;
      }
    }),
    { numRuns: 10_000 },
  );
}

/** A table written from names and types reads back with those names, in order. */
export function writtenTablesReadBack(): void {
  const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
  fc.assert(
    fc.property(
      name,
      fc.uniqueArray(fc.tuple(name, fc.constantFrom('INT', 'TEXT', 'VARCHAR(20)', 'DECIMAL(10, 2)', 'REAL NOT NULL')), {
        minLength: 1,
        maxLength: 6,
        selector: ([column]) => column,
      }),
      (table, columns) => {
        if (
          ['constraint', 'primary', 'foreign', 'unique', 'check', 'key', 'index'].some((word) =>
            columns.some(([column]) => column === word),
          )
        )
          return;
        const [read] = parseCreateTables(
          `CREATE TABLE ${table} (${columns.map(([column, type]) => `${column} ${type}`).join(', ')})`,
        );
        const back = read?.columns.map((column) => [column.name, column.type]);
        // Constraints after the type are not part of it.
        const expected = columns.map(([column, type]) => [column, type.replace(' NOT NULL', '')]);
        if (read?.name !== table || JSON.stringify(back) !== JSON.stringify(expected))
          throw new Error(`read back ${JSON.stringify(read)}`);
      },
    ),
    { numRuns: 5000 },
  );
}

// The regex columnType replaces: the same answers, only slower on long runs of spaces.
const typeReference =
  /^\s*([A-Za-z][\w ]*?(?:\([^)]*\))?)(?=\s+(?:not|null|primary|references|default|unique|check|constraint|collate)\b|\s*$)/i;

/** columnType gives what the regex it replaces gives, on short column definitions where the regex is fast. */
export function columnTypeMatchesTheRegex(): void {
  const unit = fc.constantFrom(
    'a',
    'Z',
    '_',
    '1',
    ' ',
    '\t',
    '\n',
    '(',
    ')',
    ',',
    '"',
    'not',
    'NULL',
    'references',
    'Default',
    'nota',
    'é',
  );
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 16 }), (rest) => {
      const expected = typeReference.exec(rest)?.[1];
      if (columnType(rest) !== expected)
        throw new Error(`${JSON.stringify(rest)}: ${JSON.stringify(columnType(rest))} ≠ ${JSON.stringify(expected)}`);
    }),
    { numRuns: 20_000 },
  );
}

/** Inputs that made the reader quadratic (seconds to minutes each): they must read in a fraction of the worker's time limit. */
export function adversarialTextIsFast(): void {
  for (const text of [
    'CREATE TABLE t ('.repeat(20_000),
    "CREATE TABLE t ('".repeat(20_000),
    `${'CREATE TABLE ['.repeat(20_000)}]`,
    `CREATE TABLE t (a b${' '.repeat(100_000)}x)`,
    `CREATE TABLE t (a int '${'references x('.repeat(20_000)}')`,
  ]) {
    if (parseCreateTables(text).length > 1) throw new Error('more than one table read');
  }
}
