import { SqlParseError } from './errors.js';
import { wordTokenize } from './internal/word-tokenize.js';

/**
 * Spider's `process_sql.tokenize`: `'` becomes `"`, quoted strings are kept whole (original case), every other
 * token is NLTK-word-tokenised and lower-cased, and `!`/`>`/`<` before `=` merge into one operator.
 * Throws SqlParseError where upstream's assertion fails (an odd number of quotes).
 */
export function tokenizeSql(sql: string): string[] {
  let text = sql.replaceAll("'", '"');
  const quotes: number[] = [];
  for (let index = 0; index < text.length; index += 1) if (text[index] === '"') quotes.push(index);
  if (quotes.length % 2 !== 0) throw new SqlParseError(`unexpected quote: ${quotes.length} quote characters in ${JSON.stringify(sql)}; quotes must pair up`);
  const values = new Map<string, string>();
  for (let index = quotes.length - 1; index > 0; index -= 2) {
    const open = quotes[index - 1] as number;
    const close = quotes[index] as number;
    const key = `__val_${open}_${close}__`;
    values.set(key, text.slice(open, close + 1));
    text = text.slice(0, open) + key + text.slice(close + 1);
  }
  let tokens = wordTokenize(text).map((word) => {
    const lower = word.toLowerCase();
    return values.get(lower) ?? lower;
  });
  const equals: number[] = [];
  tokens.forEach((token, index) => {
    if (token === '=') equals.push(index);
  });
  for (const index of equals.reverse()) {
    // Python indexing: toks[-1] is the last token, and the slices below follow Python's rules too.
    const previous = tokens.at(index - 1);
    if (previous === '!' || previous === '>' || previous === '<') {
      tokens = [...pythonSlice(tokens, 0, index - 1), `${previous}=`, ...tokens.slice(index + 1)];
    }
  }
  return tokens;
}

function pythonSlice<T>(items: readonly T[], start: number, end: number): T[] {
  const resolve = (position: number): number => (position < 0 ? Math.max(0, items.length + position) : Math.min(position, items.length));
  return items.slice(resolve(start), resolve(end));
}
