import { createReadStream } from 'node:fs';
import { BadLineError, type BadLinePolicy } from './bad-lines.js';

export interface ReadTextLinesOptions {
  /** A file path, or a stream of bytes (stdin). */
  input: string | AsyncIterable<Uint8Array | string>;
  /** The name in messages (default: the path, or `stdin` for a stream). */
  source?: string;
  /** Where lines that are not UTF-8 go; without one, the first such line throws. */
  badLines?: BadLinePolicy;
  signal?: AbortSignal;
}

/** One line of text without its line ending, with its 1-based number. */
export interface TextLine {
  text: string;
  line: number;
}

const newline = 0x0a;

/**
 * Reads a file (or stream) line by line as strict UTF-8: a line whose bytes are not UTF-8 is a `BadLineError`
 * naming the file and line (never silently U+FFFD). `\r\n` and `\n` both end a line, a UTF-8 BOM is dropped,
 * and a last line without a newline is read too.
 */
export async function* readTextLines(options: ReadTextLinesOptions): AsyncGenerator<TextLine> {
  const source = options.source ?? (typeof options.input === 'string' ? options.input : 'stdin');
  const stream =
    typeof options.input === 'string'
      ? createReadStream(options.input, options.signal === undefined ? {} : { signal: options.signal })
      : options.input;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let number = 0;
  let pending: Uint8Array[] = [];

  function decode(bytes: Uint8Array): string | undefined {
    try {
      return decoder.decode(bytes);
    } catch {
      return undefined;
    }
  }

  function* emit(bytes: Uint8Array): Generator<TextLine> {
    number += 1;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    let text = decode(bytes.subarray(0, end));
    if (text === undefined) {
      const error = new BadLineError({
        source,
        line: number,
        problem: 'the bytes are not valid UTF-8 (save the file as UTF-8)',
      });
      if (options.badLines === undefined) throw error;
      options.badLines.report(error);
      return;
    }
    if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    yield { text, line: number };
  }

  for await (const chunk of stream) {
    options.signal?.throwIfAborted();
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let end = bytes.indexOf(newline); end !== -1; end = bytes.indexOf(newline, start)) {
      const piece = bytes.subarray(start, end);
      // A long line arrives in many chunks: they are kept as a list and joined once, at its end.
      yield* emit(pending.length === 0 ? piece : Buffer.concat([...pending, piece]));
      pending = [];
      start = end + 1;
    }
    if (start < bytes.length) pending.push(Uint8Array.from(bytes.subarray(start)));
  }
  if (pending.length > 0) yield* emit(pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending));
}
