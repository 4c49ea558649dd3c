import { describeValue } from '@aquila/errors';
import type { BadLinePolicy, TextLine } from '@aquila/files';
import { fieldOf, jsonKind, jsonLineBatches, type LineReading, missingField } from './internal/json-line-batches.js';
import type { JsonLineProgress } from './json-line-progress.js';
import type { EncodeOptions, Tokenizer } from './tokenizer.js';

export interface EncodeJsonLinesOptions extends EncodeOptions {
  tokenizer: Tokenizer;
  /**
   * Numbered lines, as `readTextLines` of `@aquila/files` gives them: JSON objects with a string `field`, or
   * bare JSON strings. Blank lines are passed over (they are not records).
   */
  lines: AsyncIterable<TextLine>;
  /** The field holding the text. Default `text`. */
  field?: string;
  /** Names the input in errors (a file name, `stdin`). Default `input`. */
  source?: string;
  /**
   * What to do with a line that is not such a record (a `TokenizerInputError`): by default the first one
   * throws; with `new BadLinePolicy({ skip: true })` each is skipped, and the policy counts them.
   */
  badLines?: BadLinePolicy;
  /** Worker threads for each batch (see `encodeBatch`). */
  threads?: number;
  /** Lines per `encodeBatch` call. Default 2048. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: JsonLineProgress) => void;
}

/** The text of an encode line: a bare JSON string, or the string `field` of an object. */
function readText(value: unknown, field: string): LineReading<string> {
  if (typeof value === 'string') return { record: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      problem: `${jsonKind(value)}, not an object with a string ${JSON.stringify(field)} field or a JSON string`,
    };
  }
  const text = fieldOf(value, field);
  if (text === undefined) return { problem: `${missingField(value, field)}; name the text field with --field` };
  if (typeof text !== 'string')
    return { problem: `the ${JSON.stringify(field)} field is ${describeValue(text)}, not a string` };
  return { record: text };
}

/** Encodes JSONL text records: yields one `{"ids":[…]}` line (without newline) per input record, in order. */
export async function* encodeJsonLines(options: EncodeJsonLinesOptions): AsyncGenerator<string> {
  const { tokenizer, field = 'text', source = 'input', batchSize = 2048, signal, onProgress } = options;
  const batches = jsonLineBatches({
    lines: options.lines,
    source,
    batchSize,
    badLines: options.badLines,
    signal,
    read: (value) => readText(value, field),
  });
  let done = 0;
  for await (const records of batches) {
    const encoded = await tokenizer.encodeBatch(records, {
      addSpecialTokens: options.addSpecialTokens,
      parseSpecialTokens: options.parseSpecialTokens,
      threads: options.threads,
      signal,
    });
    for (const ids of encoded) yield `{"ids":[${ids.join(',')}]}`;
    done += records.length;
    onProgress?.({ lines: done });
  }
}
