import { SqlParseError } from './errors.js';
import { wordTokenize } from './internal/word-tokenize.js';

/**
 * Spider's `process_sql.tokenize`: `'` becomes `"`, quoted strings are kept whole (original case), every other
 * token is NLTK-word-tokenised and lower-cased, and `!`/`>`/`<` before `=` merge into one operator.
 * Throws SqlParseError where upstream's assertion fails (an odd number of quotes).
 */
export function tokenizeSql(sql: string): string[] {
  const text = sql.replaceAll("'", '"');
  const quotes: number[] = [];
  for (let index = text.indexOf('"'); index >= 0; index = text.indexOf('"', index + 1)) quotes.push(index);
  if (quotes.length % 2 !== 0)
    throw new SqlParseError(
      `unexpected quote: ${quotes.length} quote characters in ${JSON.stringify(sql)}; quotes must pair up`,
    );
  // Each quoted string becomes a placeholder named by its place in the text (upstream replaces them from the last
  // pair, so every place is the original one); built in one pass, not one copy of the text per string.
  const values = new Map<string, string>();
  const parts: string[] = [];
  let last = 0;
  for (let index = 0; index < quotes.length; index += 2) {
    const open = quotes[index] as number;
    const close = quotes[index + 1] as number;
    const key = `__val_${open}_${close}__`;
    values.set(key, text.slice(open, close + 1));
    parts.push(text.slice(last, open), key);
    last = close + 1;
  }
  parts.push(text.slice(last));
  const words = wordTokenize(parts.join('')).map((word) => {
    const lower = word.toLowerCase();
    return values.get(lower) ?? lower;
  });
  return mergeComparisons(words);
}

const comparisonPrefixes: ReadonlySet<string> = new Set(['!', '>', '<']);

// Upstream, from the last `=` to the first: `toks[:i-1] + [toks[i-1] + "="] + toks[i+1:]` where toks[i-1] is `!`,
// `>` or `<`. Merges never overlap (the token before a merged `=` is not `=`), so they are made in one pass; an `=`
// first takes Python's toks[-1], the last token, as the one before it, and its slices then keep both.
function mergeComparisons(tokens: readonly string[]): string[] {
  const merged: string[] = [];
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] as string;
    if (tokens[index + 1] === '=' && comparisonPrefixes.has(token)) {
      merged.push(`${token}=`);
      index += 1;
    } else merged.push(token);
  }
  const previous = merged.at(-1);
  if (tokens[0] === '=' && previous !== undefined && comparisonPrefixes.has(previous))
    return [...merged.slice(0, -1), `${previous}=`, ...merged.slice(1)];
  return merged;
}
