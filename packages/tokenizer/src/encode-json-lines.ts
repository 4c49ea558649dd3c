import { TokenizerInputError } from './errors.js';
import { fieldOf, jsonLineBatches, type JsonLineProgress } from './internal/json-line-batches.js';
import type { EncodeOptions, Tokenizer } from './tokenizer.js';

export interface EncodeJsonLinesOptions extends EncodeOptions {
  tokenizer: Tokenizer;
  /** JSONL lines: objects with a string `field`, or bare JSON strings. Blank lines are skipped. */
  lines: AsyncIterable<string>;
  /** The field holding the text. Default `text`. */
  field?: string;
  /** Names the input in errors (a file name, `stdin`). */
  source?: string;
  /** Worker threads for each batch (see `encodeBatch`). */
  threads?: number;
  /** Lines per `encodeBatch` call. Default 2048. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: JsonLineProgress) => void;
}

/** Encodes JSONL text records: yields one `{"ids":[…]}` line (without newline) per input record, in order. */
export async function* encodeJsonLines(options: EncodeJsonLinesOptions): AsyncGenerator<string> {
  const { tokenizer, field = 'text', source = 'input', batchSize = 2048, signal, onProgress } = options;
  let done = 0;
  for await (const batch of jsonLineBatches(options.lines, source, batchSize, signal)) {
    const texts = batch.map(({ value, line }) => {
      const text = typeof value === 'string' ? value : fieldOf(value, field);
      if (typeof text !== 'string') {
        throw new TokenizerInputError(`${source} line ${line} has no string field "${field}". Pass --field with the name of the text field, or give one JSON string per line.`);
      }
      return text;
    });
    const encoded = await tokenizer.encodeBatch(texts, {
      addSpecialTokens: options.addSpecialTokens,
      parseSpecialTokens: options.parseSpecialTokens,
      threads: options.threads,
      signal,
    });
    for (const ids of encoded) yield `{"ids":[${ids.join(',')}]}`;
    done += batch.length;
    onProgress?.({ lines: done });
  }
}
