import { BadLineError } from '@aquila/files';

export interface JsonLineTextOptions {
  /** The line, without its line ending. */
  text: string;
  /** 1-based line number, for the error. */
  line: number;
  /** The file name, for the error. */
  source: string;
  /** The field holding the document's text. */
  jsonKey: string;
}

const shownFields = 8;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

// Keys are user data: quote any that could break the one-line message or read ambiguously.
function fieldName(key: string): string {
  return /^[\w$.-]{1,40}$/u.test(key) ? key : JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

/**
 * The document text of one JSONL line: the string at `jsonKey` of the JSON object on it. Anything else (not
 * JSON, not an object, no such field, a field that is not a string) is a `BadLineError` saying which.
 */
export function jsonLineText(options: JsonLineTextOptions): string {
  const bad = (problem: string, cause?: unknown) =>
    new BadLineError({ source: options.source, line: options.line, problem, cause });
  let value: unknown;
  try {
    value = JSON.parse(options.text);
  } catch (error) {
    // V8 quotes a piece of the line in its message; line breaks in it would split the one-line report.
    throw bad(`not valid JSON (${(error as Error).message.replace(/[\r\n\u2028\u2029]+/gu, ' ')})`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad(`not a JSON object but ${typeName(value)}`);
  const key = options.jsonKey;
  if (!Object.hasOwn(value, key)) {
    const keys = Object.keys(value);
    const fields =
      keys.length === 0
        ? 'the object is empty'
        : `fields: ${keys.slice(0, shownFields).map(fieldName).join(', ')}${keys.length > shownFields ? ', …' : ''}`;
    throw bad(`no ${JSON.stringify(key)} field (${fields}); pass --json-key to read another field`);
  }
  const text = (value as Record<string, unknown>)[key];
  if (typeof text !== 'string') throw bad(`the ${JSON.stringify(key)} field is ${typeName(text)}, not a string`);
  return text;
}
