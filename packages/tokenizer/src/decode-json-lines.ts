import { TokenizerInputError } from './errors.js';
import { fieldOf, jsonLineBatches, type JsonLineProgress } from './internal/json-line-batches.js';
import type { DecodeOptions, Tokenizer } from './tokenizer.js';

export interface DecodeJsonLinesOptions extends DecodeOptions {
  tokenizer: Tokenizer;
  /** JSONL lines: objects with an `ids` array (or bare arrays of ids). Blank lines are skipped. */
  lines: AsyncIterable<string>;
  /** The field written with the text. Default `text`. */
  field?: string;
  /** Names the input in errors. */
  source?: string;
  signal?: AbortSignal;
  onProgress?: (progress: JsonLineProgress) => void;
}

/** Decodes JSONL id records: yields one `{"text":"…"}` line (without newline) per input record. */
export async function* decodeJsonLines(options: DecodeJsonLinesOptions): AsyncGenerator<string> {
  const { tokenizer, field = 'text', source = 'input', signal, onProgress } = options;
  let done = 0;
  for await (const batch of jsonLineBatches(options.lines, source, 1024, signal)) {
    for (const { value, line } of batch) {
      const ids = Array.isArray(value) ? value : fieldOf(value, 'ids');
      if (!Array.isArray(ids)) throw new TokenizerInputError(`${source} line ${line} has no "ids" array. Each line must be {"ids":[…]} as \`aquila tokenize\` writes it.`);
      let text: string;
      try {
        text = tokenizer.decode(ids as number[], { skipSpecialTokens: options.skipSpecialTokens });
      } catch (error) {
        throw new TokenizerInputError(`${source} line ${line}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      yield JSON.stringify({ [field]: text });
    }
    done += batch.length;
    onProgress?.({ lines: done });
  }
}
