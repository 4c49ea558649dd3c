import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ConversationTokenizer } from '@aquila/data';
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

/** Tokenised SFT examples of a JSONL file, in file order; a bad line throws SftRecordError naming `file:line`. */
export async function* readSftExamples(options: ReadSftExamplesOptions): AsyncGenerator<SftExample> {
  const stream = createReadStream(options.path, { encoding: 'utf8', signal: options.signal });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    for await (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      const source = `${options.path}:${number}`;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (error) {
        throw new SftRecordError(`${source}: not valid JSON (${(error as Error).message})`, { cause: error });
      }
      yield createSftExample({ tokenizer: options.tokenizer, record, maxLength: options.maxLength, source });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SftRecordError(`${options.path} does not exist; check data.sftFile`, { cause: error });
    throw error;
  } finally {
    lines.close();
    stream.destroy();
  }
}
