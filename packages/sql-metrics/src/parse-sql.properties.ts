// Properties of tokenizeSql and the Spider parser, run in a worker with a wall-clock limit (see parse-sql.test.ts).
import { readFileSync } from 'node:fs';
import { spiderDirectory } from '@aquila/test-kit';
import fc from 'fast-check';
import { SqlParseError } from './errors.js';
import { wordTokenize } from './internal/word-tokenize.js';
import { parseSql } from './parse-sql.js';
import { schemaFromTablesJson, type TablesJsonEntry } from './schema.js';
import { sqlText } from './test-support/sql-text-arbitrary.js';
import { tokenizeSql } from './tokenize-sql.js';

// process_sql.tokenize as written upstream (a copy of the text per string, a copy of the list per merged `=`):
// the reference for the one-pass version, on short text.
function upstreamTokenize(sql: string): string[] {
  let text = sql.replaceAll("'", '"');
  const quotes = text.split('').flatMap((character, index) => (character === '"' ? [index] : []));
  if (quotes.length % 2 !== 0) throw new SqlParseError('unexpected quote');
  const values = new Map<string, string>();
  for (let index = quotes.length - 1; index > 0; index -= 2) {
    const [open, close] = [quotes[index - 1] as number, quotes[index] as number];
    values.set(`__val_${open}_${close}__`, text.slice(open, close + 1));
    text = `${text.slice(0, open)}__val_${open}_${close}__${text.slice(close + 1)}`;
  }
  let tokens = wordTokenize(text).map((word) => values.get(word.toLowerCase()) ?? word.toLowerCase());
  const equals = tokens.flatMap((token, index) => (token === '=' ? [index] : [])).reverse();
  for (const index of equals) {
    const previous = tokens.at(index - 1) as string;
    if (!['!', '>', '<'].includes(previous)) continue;
    const end = index - 1 < 0 ? Math.max(0, tokens.length + index - 1) : index - 1;
    tokens = [...tokens.slice(0, end), `${previous}=`, ...tokens.slice(index + 1)];
  }
  return tokens;
}

const outcome = (tokenize: (sql: string) => string[], sql: string): string => {
  try {
    return JSON.stringify(tokenize(sql));
  } catch (error) {
    if (!SqlParseError.isInstance(error)) throw error;
    return 'SqlParseError';
  }
};

export function tokenizesAsUpstream(): void {
  fc.assert(
    fc.property(sqlText(), (sql) => {
      if (outcome(tokenizeSql, sql) !== outcome(upstreamTokenize, sql))
        throw new Error(`tokens differ from upstream's on ${JSON.stringify(sql)}`);
    }),
    { numRuns: 10_000 },
  );
}

export function tokenizesAnyTextOrThrowsSqlParseError(): void {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
      if (!Array.isArray(JSON.parse(outcome(tokenizeSql, text).replace(/^SqlParseError$/, '[]'))))
        throw new Error('not a list of tokens');
    }),
    { numRuns: 2000 },
  );
}

// A copy of the text per quoted string and of the token list per merged `>=`: quadratic, hours on these.
export function manyStringsAndComparisonsInLinearTime(): void {
  const strings = tokenizeSql(`SELECT name FROM singer WHERE ${"name = 'x' OR ".repeat(200_000)}name = 'y'`);
  const comparisons = tokenizeSql(`SELECT name FROM singer WHERE ${'age > = 1 OR '.repeat(200_000)}age < = 2`);
  if (
    strings.length !== 800_008 ||
    strings.at(-1) !== '"y"' ||
    comparisons.length !== 800_008 ||
    comparisons.at(-2) !== '<='
  )
    throw new Error('wrong tokens');
}

const tables = JSON.parse(readFileSync(`${spiderDirectory}tables.json`, 'utf8')) as TablesJsonEntry[];
const schema = schemaFromTablesJson(tables.find((entry) => entry.db_id === 'concert_singer') as TablesJsonEntry);
const words = [
  'select',
  'from',
  'where',
  'group',
  'by',
  'order',
  'having',
  'limit',
  'intersect',
  'union',
  'except',
  'join',
  'on',
  'as',
  'and',
  'or',
  'not',
  'in',
  'like',
  'between',
  'is',
  'exists',
  'distinct',
  'count',
  'max',
  'min',
  'avg',
  'sum',
  'none',
  'asc',
  'desc',
  'singer',
  'stadium',
  'concert',
  'name',
  'age',
  'singer_id',
  'T1',
  'T2',
  'T1.name',
  'T2.age',
  '*',
  '(',
  ')',
  ',',
  ';',
  '=',
  '>',
  '<',
  '!',
  '-',
  '+',
  '/',
  '"x"',
  "'y'",
  '3',
  '4.5',
  'value',
  '.',
  '..',
];

// Every failure must be a SqlParseError (upstream's exception becomes an empty SQL), never another error.
function parsesOrRejects(sql: string): void {
  try {
    parseSql({ sql, schema });
  } catch (error) {
    if (!SqlParseError.isInstance(error)) throw error;
  }
}

export function parsesOrRejectsAnyText(): void {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), parsesOrRejects), { numRuns: 2000 });
}

export function parsesOrRejectsTokenSoup(): void {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...words), { maxLength: 40 }), (tokens) => {
      parsesOrRejects(tokens.join(' '));
      parsesOrRejects(`select ${tokens.join(' ')}`);
    }),
    { numRuns: 5000 },
  );
}

export function parsesOrRejectsSqlText(): void {
  fc.assert(fc.property(sqlText(), parsesOrRejects), { numRuns: 10_000 });
}
