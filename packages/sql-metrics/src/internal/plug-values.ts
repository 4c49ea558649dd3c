// test-suite-sql-eval `--plug_value`: the prediction's literal values are slots, and every way of filling them
// with the gold's literal values is tried (itertools.product). Literals are found by a small lexer rather than
// sqlparse; LIMIT counts are not slots. Capped, where upstream enumerates without bound.

const literal = /'(?:[^']|'')*'|"(?:[^"]|"")*"|(?<![\p{L}\p{N}_.])-?\d+(?:\.\d+)?(?![\p{L}\p{N}_])/gu;
const limitValue = /\blimit\s+$/i;

function literals(sql: string): { value: string; index: number }[] {
  const found: { value: string; index: number }[] = [];
  for (const match of sql.matchAll(literal)) {
    if (limitValue.test(sql.slice(0, match.index))) continue;
    found.push({ value: match[0], index: match.index });
  }
  return found;
}

export interface PlugGoldValuesOptions {
  gold: string;
  pred: string;
  /** At most this many variants. Default 256. */
  limit?: number;
}

/** The prediction with its value slots filled by the gold's values, every combination up to `limit`. */
export function plugGoldValues(options: PlugGoldValuesOptions): string[] {
  const values = [...new Set(literals(options.gold).map((item) => item.value))];
  const slots = literals(options.pred);
  if (values.length === 0 || slots.length === 0) return [];
  const limit = options.limit ?? 256;
  const variants: string[] = [];
  const choice = new Array<number>(slots.length).fill(0);
  while (variants.length < limit) {
    let text = '';
    let last = 0;
    slots.forEach((slot, index) => {
      text += options.pred.slice(last, slot.index) + (values[choice[index] as number] as string);
      last = slot.index + slot.value.length;
    });
    variants.push(text + options.pred.slice(last));
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
