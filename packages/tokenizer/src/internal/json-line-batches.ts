import { TokenizerInputError } from '../errors.js';

export interface JsonLineProgress {
  /** Input lines done so far. */
  lines: number;
}

/** Groups JSONL lines into batches of parsed values, skipping blank lines; errors name the line. */
export async function* jsonLineBatches(lines: AsyncIterable<string>, source: string, batchSize: number, signal: AbortSignal | undefined): AsyncGenerator<Array<{ value: unknown; line: number }>> {
  let batch: Array<{ value: unknown; line: number }> = [];
  let number = 0;
  for await (const text of lines) {
    number++;
    signal?.throwIfAborted();
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new TokenizerInputError(`${source} line ${number} is not JSON (${error instanceof Error ? error.message : String(error)}). Each line must be one JSON value.`, { cause: error });
    }
    batch.push({ value, line: number });
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** `value[field]` when the line is a JSON object. */
export function fieldOf(value: unknown, field: string): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return (value as Record<string, unknown>)[field];
  return undefined;
}
