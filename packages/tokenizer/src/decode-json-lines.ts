import { describeValue } from '@aquila/errors';
import type { BadLinePolicy, TextLine } from '@aquila/files';
import { fieldOf, jsonKind, jsonLineBatches, type LineReading, missingField } from './internal/json-line-batches.js';
import type { JsonLineProgress } from './json-line-progress.js';
import type { DecodeOptions, Tokenizer } from './tokenizer.js';

export interface DecodeJsonLinesOptions extends DecodeOptions {
  tokenizer: Tokenizer;
  /**
   * Numbered lines, as `readTextLines` of `@aquila/files` gives them: objects with an `ids` array (what
   * `encodeJsonLines` writes) or bare arrays of ids. Blank lines are passed over.
   */
  lines: AsyncIterable<TextLine>;
  /** The field written with the text. Default `text`. */
  field?: string;
  /** Names the input in errors. Default `input`. */
  source?: string;
  /**
   * What to do with a line that is not such a record, or holds an id outside the tokenizer's vocabulary (a
   * `TokenizerInputError`): by default the first one throws; a skipping policy counts them.
   */
  badLines?: BadLinePolicy;
  signal?: AbortSignal;
  onProgress?: (progress: JsonLineProgress) => void;
}

const idsShape = 'each line must be {"ids":[…]} as `aquila tokenize` writes it';

/** The ids of a decode line, each an integer id of `tokenizer`. */
function readIds(value: unknown, tokenizer: Tokenizer): LineReading<number[]> {
  let ids: unknown = value;
  if (!Array.isArray(value)) {
    if (typeof value !== 'object' || value === null)
      return { problem: `${jsonKind(value)}, not {"ids":[…]}; ${idsShape}` };
    ids = fieldOf(value, 'ids');
    if (ids === undefined) return { problem: `${missingField(value, 'ids')}; ${idsShape}` };
    if (!Array.isArray(ids))
      return { problem: `the "ids" field is ${describeValue(ids)}, not an array of token ids; ${idsShape}` };
  }
  const list = ids as unknown[];
  for (let index = 0; index < list.length; index++) {
    const id = list[index];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= tokenizer.vocabSize) {
      return {
        problem: `ids[${index}] is ${describeValue(id)}, not a token id of this tokenizer (integers 0 to ${tokenizer.vocabSize - 1}; written with another tokenizer?)`,
      };
    }
  }
  return { record: list as number[] };
}

/** Decodes JSONL id records: yields one `{"text":"…"}` line (without newline) per input record, in order. */
export async function* decodeJsonLines(options: DecodeJsonLinesOptions): AsyncGenerator<string> {
  const { tokenizer, field = 'text', source = 'input', signal, onProgress } = options;
  const batches = jsonLineBatches({
    lines: options.lines,
    source,
    batchSize: 1024,
    badLines: options.badLines,
    signal,
    read: (value) => readIds(value, tokenizer),
  });
  let done = 0;
  for await (const records of batches) {
    for (const ids of records)
      yield JSON.stringify({ [field]: tokenizer.decode(ids, { skipSpecialTokens: options.skipSpecialTokens }) });
    done += records.length;
    onProgress?.({ lines: done });
  }
}
