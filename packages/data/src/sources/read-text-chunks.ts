import { createReadStream } from 'node:fs';
import { SourceEncodingError } from '../errors.js';

export interface ReadTextChunksOptions {
  path: string;
  signal?: AbortSignal;
  /** Bytes per read; 1 MiB by default. */
  highWaterMark?: number;
}

/** The byte offset of the first invalid UTF-8 sequence in `bytes`, or -1 (a truncated sequence at the end counts as valid when `partialEnd`). */
function firstInvalidUtf8(bytes: Uint8Array, partialEnd: boolean): number {
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index]!;
    const width =
      byte < 0x80
        ? 1
        : byte >= 0xc2 && byte <= 0xdf
          ? 2
          : byte >= 0xe0 && byte <= 0xef
            ? 3
            : byte >= 0xf0 && byte <= 0xf4
              ? 4
              : 0;
    if (width === 0) return index;
    if (index + width > bytes.length) return partialEnd ? -1 : index;
    for (let next = 1; next < width; next++) {
      if ((bytes[index + next]! & 0xc0) !== 0x80) return index;
    }
    index += width;
  }
  return -1;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let lines = 0;
  for (let index = 0; index < end; index++) if (bytes[index] === 0x0a) lines++;
  return lines;
}

/**
 * Streams a file as strings, strictly decoded as UTF-8 (a leading BOM is dropped). Invalid bytes raise a
 * `SourceEncodingError` that names the file, line and byte offset instead of turning into U+FFFD.
 */
export async function* readTextChunks(options: ReadTextChunksOptions): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let bytesBefore = 0;
  let linesBefore = 0;
  const stream = createReadStream(options.path, {
    highWaterMark: options.highWaterMark ?? 1 << 20,
    signal: options.signal,
  });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch (error) {
      // The decoder may hold up to 3 bytes from the previous chunk; the bad byte is in this one or at its start.
      const offset = Math.max(0, firstInvalidUtf8(chunk, true));
      throw new SourceEncodingError(
        `${options.path}: invalid UTF-8 at byte ${bytesBefore + offset} (line ${linesBefore + countNewlines(chunk, offset) + 1}). Convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8) and run again.`,
        { cause: error },
      );
    }
    bytesBefore += chunk.length;
    linesBefore += countNewlines(chunk, chunk.length);
    if (text.length > 0) yield text;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch (error) {
    throw new SourceEncodingError(
      `${options.path}: the file ends inside a UTF-8 sequence (byte ${bytesBefore}); it is truncated or not UTF-8.`,
      { cause: error },
    );
  }
  if (rest.length > 0) yield rest;
}
