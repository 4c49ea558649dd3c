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

interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** The minimum itself is not allowed. */
  above?: boolean;
}

const describe = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
    : Array.isArray(value)
      ? 'an array'
      : String(JSON.stringify(value));

/** Typed reads of a request's fields, with 400s that name the field, the rule and the value sent. Absent and null are undefined. */
export class RequestFields {
  constructor(private readonly body: JsonObject) {}

  private value(name: string): unknown {
    return this.body[name] ?? undefined;
  }

  private fail(name: string, rule: string, value: unknown): never {
    throw new RequestError(400, `"${name}" must be ${rule}, got ${describe(value)}.`);
  }

  number(name: string, rule: NumberRule = {}): number | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    const { integer = false, min, max, above = false } = rule;
    const bounds = [min === undefined ? '' : `${above ? '>' : '≥'} ${min}`, max === undefined ? '' : `≤ ${max}`]
      .filter(Boolean)
      .join(' and ');
    const text = `${integer ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}`;
    if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
      this.fail(name, text, value);
    if ((min !== undefined && (above ? value <= min : value < min)) || (max !== undefined && value > max))
      this.fail(name, text, value);
    return value;
  }

  string(name: string, options: { required?: boolean; nonEmpty?: boolean } = {}): string | undefined {
    const value = this.value(name);
    if (value === undefined) {
      if (options.required) throw new RequestError(400, `"${name}" is required (a string).`);
      return undefined;
    }
    if (typeof value !== 'string') this.fail(name, 'a string', value);
    if (options.nonEmpty && value.trim() === '') this.fail(name, 'a non-empty string', value);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(name, 'true or false', value);
    return value;
  }

  /** A string or a list of strings (OpenAI's `stop`), at most `maxItems`. */
  stringList(name: string, maxItems: number): string[] | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    const list = typeof value === 'string' ? [value] : value;
    if (
      !Array.isArray(list) ||
      list.length > maxItems ||
      !list.every((item) => typeof item === 'string' && item !== '')
    )
      this.fail(name, `a non-empty string or a list of at most ${maxItems} of them`, value);
    return list as string[];
  }

  object(name: string): JsonObject | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(name, 'an object', value);
    return value as JsonObject;
  }

  array(name: string): unknown[] | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) this.fail(name, 'an array', value);
    return value;
  }
}
