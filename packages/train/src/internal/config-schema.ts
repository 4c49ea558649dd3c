import * as v from 'valibot';

// The valibot schemas of run config values, worded for YAML: "expected a number, got string "two"".

/** A value read from YAML as messages show it. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // String(), not JSON: YAML's .inf and .nan are numbers that JSON would show as null.
  return `${typeof value} ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
}

type Message = (issue: v.BaseIssue<unknown>) => string;

const expected =
  (what: string): Message =>
  (issue) =>
    `expected ${what}, got ${describe(issue.input)}`;

const got =
  (what: string): Message =>
  (issue) =>
    `${what}, got ${String(issue.input)}`;

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= right.length; column += 1) {
      const substitution = (previous[column - 1] as number) + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[column] as number) + 1, (current[column - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[right.length] as number;
}

/** The closest known key, when one is close enough to be a likely typo. */
function suggestKey(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // Fewer edits than the key has characters: otherwise any short key would be "a typo" of `lr`.
  return best !== undefined && bestDistance < key.length && bestDistance <= Math.max(2, Math.floor(key.length / 3))
    ? `; did you mean "${best}"?`
    : '';
}

export interface NumberRule {
  integer?: boolean;
  /** Greater than 0. */
  positive?: boolean;
  min?: number;
  max?: number;
}

/** A finite number (YAML's .inf and .nan are not) within the rule; integers stay below 2^53. */
export function numberSchema(rule: NumberRule = {}): v.GenericSchema<number> {
  const checks: v.PipeItem<number, number, v.BaseIssue<unknown>>[] = [
    v.finite(expected('a number')),
    ...(rule.integer === true
      ? [v.integer(got('expected an integer')), v.safeInteger(got('expected an integer below 2^53'))]
      : []),
    ...(rule.positive === true ? [v.gtValue<number, 0, Message>(0, got('must be greater than 0'))] : []),
    ...(rule.min === undefined
      ? []
      : [v.minValue<number, number, Message>(rule.min, got(`must be at least ${rule.min}`))]),
    ...(rule.max === undefined
      ? []
      : [v.maxValue<number, number, Message>(rule.max, got(`must be at most ${rule.max}`))]),
  ];
  return v.pipe(v.number(expected('a number')), ...checks);
}

export const positiveInteger = numberSchema({ integer: true, min: 1 });
export const nonNegativeInteger = numberSchema({ integer: true, min: 0 });
export const nonNegative = numberSchema({ min: 0 });
export const positive = numberSchema({ positive: true });
export const fraction = numberSchema({ min: 0, max: 1 });
export const text = v.pipe(v.string(expected('a non-empty string')), v.nonEmpty(expected('a non-empty string')));
export const flag = v.boolean(expected('true or false'));

export const oneOf = <const Values extends readonly string[]>(values: Values) =>
  v.picklist(values, expected(`one of ${values.join(', ')}`));

export const list = <Item extends v.GenericSchema>(item: Item) => v.array(item, expected('a list'));

const isMapping = (input: unknown): input is Record<string, unknown> =>
  typeof input === 'object' && input !== null && !Array.isArray(input);

/** A mapping of any keys to values of one schema (`flagscale.environment`). */
export const record = <Value extends v.GenericSchema>(value: Value) =>
  v.pipe(v.custom<Record<string, unknown>>(isMapping, expected('a mapping')), v.record(v.string(), value));

export interface MappingOptions {
  /** Keys that must be there; the others may be left out. */
  required?: readonly string[];
  /** Whether a message about an unknown key lists the known ones; default true. */
  listKnown?: boolean;
  /** The message when the value is no mapping at all; default "expected a mapping, got …". */
  notAMapping?: string;
}

/**
 * A mapping of known keys. An unknown key, the likeliest typo, is named first, with the known key it is closest
 * to; a missing required key with the keys the entry needs. (Lists are no mappings, though valibot's objects take them.)
 */
export function mapping(
  entries: Record<string, v.GenericSchema>,
  options: MappingOptions = {},
): v.GenericSchema<unknown, Record<string, unknown>> {
  const known = Object.keys(entries);
  const required = options.required ?? [];
  const listed = options.listKnown === false ? '' : ` (known here: ${known.join(', ')})`;
  return v.pipe(
    v.custom<Record<string, unknown>>(isMapping, options.notAMapping ?? expected('a mapping')),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const input = dataset.value;
      const key = Object.keys(input).find((name) => !Object.hasOwn(entries, name));
      if (key !== undefined)
        addIssue({
          message: `unknown key${suggestKey(key, known)}${listed}`,
          path: [{ type: 'object', origin: 'key', input, key, value: input[key] }],
        });
    }),
    v.object(
      Object.fromEntries(
        Object.entries(entries).map(([key, schema]) => [key, required.includes(key) ? schema : v.optional(schema)]),
      ),
      `missing; this entry needs ${required.join(' and ')}`,
    ),
  );
}
