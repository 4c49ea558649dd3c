// Properties of plugGoldValues, run in a worker with a wall-clock limit (see plug-values.test.ts).
import fc from 'fast-check';
import { sqlText } from '../test-support/sql-text-arbitrary.js';
import { plugGoldValues } from './plug-values.js';

// The regex the lexer replaces (right on short text; it overflows the stack on a long string) and its LIMIT test.
const regexLiteral = /'(?:[^']|'')*'|"(?:[^"]|"")*"|(?<![\p{L}\p{N}_.])-?\d+(?:\.\d+)?(?![\p{L}\p{N}_])/gu;
const regexLiterals = (sql: string): RegExpExecArray[] =>
  [...sql.matchAll(regexLiteral)].filter((match) => !/\blimit\s+$/i.test(sql.slice(0, match.index)));

// itertools.product of the gold's values over the prediction's slots, the last slot turning fastest.
function expectedVariants(gold: string, pred: string, limit: number): string[] {
  const values = [...new Set(regexLiterals(gold).map((match) => match[0]))];
  const slots = regexLiterals(pred);
  if (values.length === 0 || slots.length === 0) return [];
  const count = Math.min(values.length ** slots.length, limit);
  return Array.from({ length: count }, (_, number) => {
    let rest = number;
    const choice = slots.map(() => 0);
    for (let slot = slots.length - 1; slot >= 0 && rest > 0; slot -= 1) {
      choice[slot] = rest % values.length;
      rest = Math.floor(rest / values.length);
    }
    let text = '';
    let last = 0;
    slots.forEach((match, slot) => {
      text += pred.slice(last, match.index) + (values[choice[slot] as number] as string);
      last = match.index + match[0].length;
    });
    return text + pred.slice(last);
  });
}

const values = fc
  .array(
    fc.oneof(
      sqlText(6),
      fc.constantFrom(' LIMIT 3', ' limit\n4', 'xlimit 5', "'a''", '"b""c"', '-7', '1.5x', '.5', '٣'),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));

export function plugsTheLiteralsTheRegexFound(): void {
  fc.assert(
    fc.property(values, values, (gold, pred) => {
      const variants = plugGoldValues({ gold, pred, limit: 64 });
      if (JSON.stringify(variants) !== JSON.stringify(expectedVariants(gold, pred, 64)))
        throw new Error(`other variants than the regex gives: ${JSON.stringify({ gold, pred, variants })}`);
    }),
    { numRuns: 10_000 },
  );
}

// One long string (the regex overflowed), 500,000 literals (each tested for LIMIT against all the text before it).
export function longPredictionsInLinearTime(): void {
  const literal = `'${'x'.repeat(10_000_000)}'`;
  if (
    plugGoldValues({ gold: "SELECT b FROM t WHERE a = 'y'", pred: `SELECT b FROM t WHERE a = ${literal}` })[0] !==
    "SELECT b FROM t WHERE a = 'y'"
  )
    throw new Error('the long string was not a slot');
  const many = plugGoldValues({
    gold: 'SELECT b FROM t WHERE a = 7 OR a = 8',
    pred: `SELECT b FROM t WHERE ${'a = 1 OR '.repeat(500_000)}a = 2 LIMIT 3`,
  });
  if (many.length === 0 || many.length > 256 || !(many[0] as string).endsWith('a = 7 LIMIT 3'))
    throw new Error('wrong variants');
}
