import { BadLineError, readTextLines } from '@aquila/files';
import type { ConversationTokenizer } from '@aquila/prompts';
import { SftRecordError } from './errors.js';
import { createSftExample, type SftExample } from './sft-example.js';

/** Options of `readSftExamples`. */
export interface ReadSftExamplesOptions {
  /** A FlagAI SFT JSONL file, one record a line. */
  path: string;
  tokenizer: ConversationTokenizer;
  /** Truncation length (FlagAI: 2048). */
  maxLength?: number;
  signal?: AbortSignal;
}

/**
 * Tokenised SFT examples of a JSONL file (strict UTF-8), in file order; a bad line, a missing file or a
 * folder throws SftRecordError naming it (`file:line` for a line).
 */
export async function* readSftExamples(options: ReadSftExamplesOptions): AsyncGenerator<SftExample> {
  try {
    for await (const { text, line } of readTextLines({
      input: options.path,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })) {
      if (text.trim() === '') continue;
      const source = `${options.path}:${line}`;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (error) {
        throw new SftRecordError(`${source}: not valid JSON (${(error as Error).message})`, { cause: error });
      }
      yield createSftExample({ tokenizer: options.tokenizer, record, maxLength: options.maxLength, source });
    }
  } catch (error) {
    // The training data is the config's data.sftFile: the message points there, not to a command-line flag.
    if (BadLineError.isInstance(error))
      throw new SftRecordError(`${error.source}:${error.line}: ${error.problem}`, { cause: error });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new SftRecordError(`${options.path} does not exist; check data.sftFile`, { cause: error });
    if (code === 'EISDIR')
      throw new SftRecordError(`${options.path} is a folder; data.sftFile must name a JSONL file`, { cause: error });
    throw error;
  }
}
