import { describeValue } from '@aquila/errors';
import { BadLinePolicy, type TextLine } from '@aquila/files';
import { TokenizerInputError } from '../errors.js';

/** What a line holds: the record wanted, or what is wrong with it (for a `BadLineError`). */
export type LineReading<T> = { record: T } | { problem: string };

export interface JsonLineBatchesOptions<T> {
  lines: AsyncIterable<TextLine>;
  source: string;
  batchSize: number;
  /** Where bad lines go; the default policy stops at the first one. */
  badLines: BadLinePolicy | undefined;
  /** Turns a parsed line into a record, or says what is wrong with it. */
  read: (value: unknown) => LineReading<T>;
  signal: AbortSignal | undefined;
}

/**
 * Groups JSONL lines into batches of records, in input order. Blank lines are not records: they are passed over silently,
 * as in most JSONL readers. A line that is not JSON, or that `read` refuses, is a `TokenizerInputError`
 * (a `BadLineError`) given to the bad-line policy: it stops the work unless the caller chose to skip.
 */
export async function* jsonLineBatches<T>(options: JsonLineBatchesOptions<T>): AsyncGenerator<T[]> {
  const { source, batchSize, signal, read } = options;
  const badLines = options.badLines ?? new BadLinePolicy();
  let records: T[] = [];
  for await (const { text, line } of options.lines) {
    signal?.throwIfAborted();
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      badLines.report(
        new TokenizerInputError({
          source,
          line,
          problem: `not valid JSON (${error instanceof Error ? error.message : String(error)})`,
        }),
      );
      continue;
    }
    const reading = read(value);
    if ('problem' in reading) {
      badLines.report(new TokenizerInputError({ source, line, problem: reading.problem }));
      continue;
    }
    records.push(reading.record);
    if (records.length >= batchSize) {
      yield records;
      records = [];
    }
  }
  if (records.length > 0) yield records;
}

/** `a JSON array`, `a JSON number`, … for messages about a line's value. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'JSON null';
  if (Array.isArray(value)) return 'a JSON array';
  return `a JSON ${typeof value === 'object' ? 'object' : typeof value}`;
}

/** `value[field]` when the line is a JSON object (own fields only: `__proto__` and `toString` are not fields). */
export function fieldOf(value: unknown, field: string): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, field))
    return (value as Record<string, unknown>)[field];
  return undefined;
}

/** `no "text" field (the line has "body", "id")`: the problem of an object without the field. */
export function missingField(value: object, field: string): string {
  const keys = Object.keys(value);
  const shown = keys.slice(0, 5).map((key) => describeValue(key, 30));
  const present =
    keys.length === 0
      ? 'the object is empty'
      : `the line has ${shown.join(', ')}${keys.length > 5 ? `, … (${keys.length} fields)` : ''}`;
  return `no ${JSON.stringify(field)} field (${present})`;
}
