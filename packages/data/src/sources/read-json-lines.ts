import { SourceFormatError } from '../errors.js';
import { readLines } from './read-lines.js';

export type JsonLineEvent =
  | { type: 'value'; line: number; value: unknown }
  | { type: 'bad-line'; line: number; detail: string };

/** Streams a JSONL file; a line that is not JSON (e.g. a truncated last line) is reported, not thrown. */
export async function* readJsonLines(options: { path: string; signal?: AbortSignal }): AsyncGenerator<JsonLineEvent> {
  let empty = true;
  for await (const { line, text, terminated } of readLines(options)) {
    if (text.trim() === '') continue;
    empty = false;
    try {
      yield { type: 'value', line, value: JSON.parse(text) as unknown };
    } catch (error) {
      const truncated = terminated ? '' : ' (the last line has no newline: the file looks truncated)';
      yield { type: 'bad-line', line, detail: `${error instanceof Error ? error.message : String(error)}${truncated}` };
    }
  }
  if (empty) throw new SourceFormatError(`${options.path}: the file is empty (no JSON lines). Download it again.`);
}
