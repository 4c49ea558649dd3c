// test-suite-sql-eval `--plug_value`: the prediction's literal values are slots, and every way of filling them
// with the gold's literal values is tried (itertools.product). Literals are found by a small lexer rather than
// sqlparse; LIMIT counts are not slots. Capped, where upstream enumerates without bound.
//
// The lexer finds what `'(?:[^']|'')*'|"(?:[^"]|"")*"|(?<![\p{L}\p{N}_.])-?\d+(?:\.\d+)?(?![\p{L}\p{N}_])`
// finds, scanning with indexOf: that regex overflows V8's stack on one long string, and a LIMIT test of all the
// text before each literal made it quadratic.

const number = /(?<![\p{L}\p{N}_.])-?\d+(?:\.\d+)?(?![\p{L}\p{N}_])/uy;
const space = /\s/;
const limitWord = /^limit$/i;
const wordCharacter = /\w/;

// The end of the quoted string opened at `start`, as the regex matches it: closed by a lone quote, or where there
// is none, by the first quote of the last doubled pair; undefined when neither is there.
function stringEnd(sql: string, start: number, quote: string): number | undefined {
  let lastPair: number | undefined;
  for (let index = start + 1; ; ) {
    const close = sql.indexOf(quote, index);
    if (close < 0) return lastPair === undefined ? undefined : lastPair + 1;
    if (sql[close + 1] !== quote) return close + 1;
    lastPair = close;
    index = close + 2;
  }
}

// `/\blimit\s+$/i` on the text before `index`, looking back only over the spaces right before it.
function afterLimit(sql: string, index: number): boolean {
  let start = index;
  while (start > 0 && space.test(sql[start - 1] as string)) start -= 1;
  if (start === index || start < 5 || !limitWord.test(sql.slice(start - 5, start))) return false;
  const before = sql[start - 6];
  return before === undefined || !wordCharacter.test(before);
}

function literals(sql: string): { value: string; index: number }[] {
  const found: { value: string; index: number }[] = [];
  for (let index = 0; index < sql.length; ) {
    const character = sql[index] as string;
    let end: number | undefined;
    if (character === "'" || character === '"') end = stringEnd(sql, index, character);
    else if (character === '-' || (character >= '0' && character <= '9')) {
      number.lastIndex = index;
      if (number.test(sql)) end = number.lastIndex;
    }
    if (end === undefined) {
      index += 1;
      continue;
    }
    if (!afterLimit(sql, index)) found.push({ value: sql.slice(index, end), index });
    index = end;
  }
  return found;
}

export interface PlugGoldValuesOptions {
  gold: string;
  pred: string;
  /** At most this many variants. Default 256. */
  limit?: number;
}

// Variants stop at this many characters in all as well: 256 copies of a 10 MB prediction would not fit in memory.
const characterBudget = 1 << 25;

/** The prediction with its value slots filled by the gold's values, every combination up to `limit`. */
export function plugGoldValues(options: PlugGoldValuesOptions): string[] {
  const values = [...new Set(literals(options.gold).map((item) => item.value))];
  const slots = literals(options.pred);
  if (values.length === 0 || slots.length === 0) return [];
  const limit = options.limit ?? 256;
  const variants: string[] = [];
  const choice = new Array<number>(slots.length).fill(0);
  let characters = 0;
  while (variants.length < limit && characters < characterBudget) {
    let text = '';
    let last = 0;
    slots.forEach((slot, index) => {
      text += options.pred.slice(last, slot.index) + (values[choice[index] as number] as string);
      last = slot.index + slot.value.length;
    });
    variants.push(text + options.pred.slice(last));
    characters += (variants.at(-1) as string).length;
    let position = slots.length - 1;
    while (position >= 0 && (choice[position] as number) === values.length - 1) {
      choice[position] = 0;
      position -= 1;
    }
    if (position < 0) break;
    choice[position] = (choice[position] as number) + 1;
  }
  return variants;
}
