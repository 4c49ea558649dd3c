import { type ReadTextChunksOptions, readTextChunks } from './read-text-chunks.js';

export interface SourceLine {
  /** 1-based line number. */
  line: number;
  text: string;
  /** False for a last line with no newline after it (often a truncated download). */
  terminated: boolean;
}

/** Streams a text file line by line (LF or CRLF); memory holds one line at a time. */
export async function* readLines(options: ReadTextChunksOptions): AsyncGenerator<SourceLine> {
  let pending = '';
  let line = 0;
  for await (const chunk of readTextChunks(options)) {
    let text = pending + chunk;
    let start = 0;
    for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      line++;
      yield {
        line,
        text: text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end),
        terminated: true,
      };
      start = end + 1;
    }
    pending = text.slice(start);
    text = '';
  }
  if (pending.length > 0) yield { line: line + 1, text: pending, terminated: false };
}
