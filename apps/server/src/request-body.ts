import { parseWithSchema } from '@aquila/errors';
import * as v from 'valibot';
import { RequestError } from './errors.js';

export type JsonObject = Record<string, unknown>;

/**
 * Reads a JSON object body. With `jsonString`, a body that is a JSON string holding the object is
 * accepted too: FlagAI's client sends `requests.post(url, json=json.dumps({...}))`.
 */
export async function readJsonObject(request: Request, options: { jsonString?: boolean } = {}): Promise<JsonObject> {
  const text = await request.text();
  if (text.trim() === '') throw new RequestError(400, 'the request body is empty; send a JSON object.');
  const parse = (source: string, what: string): unknown => {
    try {
      return JSON.parse(source);
    } catch (error) {
      throw new RequestError(
        400,
        `${what} is not valid JSON (${(error as Error).message}); send a JSON object with Content-Type: application/json.`,
      );
    }
  };
  let value = parse(text, 'the request body');
  if (options.jsonString && typeof value === 'string') value = parse(value, 'the JSON string in the request body');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RequestError(
      400,
      `the request body must be a JSON object${options.jsonString ? ' (or a JSON string holding one)' : ''}, got ${Array.isArray(value) ? 'an array' : typeof value === 'string' ? 'a string' : String(value)}.`,
    );
  }
  return value as JsonObject;
}

/** A request's value as messages show it: strings quoted and cut. */
const describe = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'number'
        ? String(value)
        : String(JSON.stringify(value));

type Message = (issue: v.BaseIssue<unknown>) => string;

/** `must be <rule>, got <value>`: `readRequest` puts the field in front and a full stop after. */
export const mustBe =
  (rule: string): Message =>
  (issue) =>
    `must be ${rule}, got ${describe(issue.input)}`;

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** The minimum itself is not allowed. */
  above?: boolean;
}

/** A finite number within the rule, worded as it: "an integer ≥ 1 and ≤ 60000", "a number > 0 and ≤ 1". */
export function numberSchema(rule: NumberRule = {}): v.GenericSchema<number> {
  const { integer = false, min, max, above = false } = rule;
  const bounds = [min === undefined ? '' : `${above ? '>' : '≥'} ${min}`, max === undefined ? '' : `≤ ${max}`]
    .filter(Boolean)
    .join(' and ');
  const message = mustBe(`${integer ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}`);
  const checks: v.PipeItem<number, number, v.BaseIssue<unknown>>[] = [
    integer ? v.integer(message) : v.finite(message),
    ...(min === undefined
      ? []
      : [above ? v.gtValue<number, number, Message>(min, message) : v.minValue<number, number, Message>(min, message)]),
    ...(max === undefined ? [] : [v.maxValue<number, number, Message>(max, message)]),
  ];
  return v.pipe(v.number(message), ...checks);
}

/** An optional number field within the rule. */
export const numberField = (rule: NumberRule = {}) => v.optional(numberSchema(rule));

const nonBlank = v.check((value: string) => value.trim() !== '', mustBe('a non-empty string'));

/** An optional string field; with `nonEmpty`, blank is refused too. */
export const textField = (options: { nonEmpty?: boolean } = {}) =>
  v.optional(options.nonEmpty === true ? v.pipe(v.string(mustBe('a string')), nonBlank) : v.string(mustBe('a string')));

/** A string field that must be there and not blank. */
export const requiredText = v.pipe(
  v.string((issue) => (issue.input === undefined ? 'is required (a string)' : mustBe('a string')(issue))),
  nonBlank,
);

export const booleanField = v.optional(v.boolean(mustBe('true or false')));

const isObject = (input: unknown): input is JsonObject =>
  typeof input === 'object' && input !== null && !Array.isArray(input);

export const objectField = v.optional(v.custom<JsonObject>(isObject, mustBe('an object')));

export const arrayField = <Item extends v.GenericSchema>(item: Item) => v.optional(v.array(item, mustBe('an array')));

/** A string or a list of strings (OpenAI's `stop`), at most `maxItems`, as a list. */
export const stopListField = (maxItems: number) => {
  const message = mustBe(`a non-empty string or a list of at most ${maxItems} of them`);
  // Checked as a whole, so a bad item is worded as the field's problem, not as `field[0]`.
  return v.optional(
    v.pipe(
      v.union([v.string(), v.array(v.string())], message),
      v.transform((value) => (typeof value === 'string' ? [value] : value)),
      v.check((list) => list.length <= maxItems && list.every((text) => text !== ''), message),
    ),
  );
};

/**
 * An object of the given fields, unknown ones ignored (as OpenAI-compatible servers do). Absent and null are both
 * undefined, and each field's own schema words it missing (valibot would word a missing key as the object's issue).
 */
export const fieldsSchema = <Entries extends v.ObjectEntries>(
  entries: Entries,
  notAnObject: v.ErrorMessage<v.CustomIssue>,
) =>
  v.pipe(
    v.custom<JsonObject>(isObject, notAnObject),
    v.transform((input) => Object.fromEntries(Object.keys(entries).map((key) => [key, input[key] ?? undefined]))),
    v.object(entries),
  );

/**
 * Checks a request body against the fields of its route and gives them typed; the first problem is a 400 that
 * names the place: a field of the body quoted (`"max_tokens" must be an integer ≥ 1, got "ten".`), a place inside
 * one as a path (`messages[2].role must be …`).
 */
export function readFields<Entries extends v.ObjectEntries>(body: JsonObject, entries: Entries) {
  return parseWithSchema({
    schema: fieldsSchema(entries, 'must be a JSON object'),
    value: body,
    error: ({ message, keys, path }) =>
      new RequestError(400, `${keys.length === 1 ? JSON.stringify(String(keys[0])) : path} ${message}.`),
  });
}
