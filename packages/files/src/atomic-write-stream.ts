import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createAtomicFile } from './atomic-file.js';

export interface OpenAtomicWriteStreamOptions {
  /** The final path. */
  path: string;
  /** Stream buffer size in bytes. */
  highWaterMark?: number;
}

/** A write stream onto a temporary file; `commit` ends it and renames it into place, `abort` removes it. */
export interface AtomicWriteStream {
  readonly path: string;
  readonly stream: WriteStream;
  /** Ends the stream, waits until it is flushed, and renames the file onto `path`. */
  commit(): Promise<void>;
  /** Destroys the stream and removes the temporary file. */
  abort(): Promise<void>;
}

/** Opens a stream whose file appears under `path` only once it is complete. Resolves once the file is open. */
export async function openAtomicWriteStream(options: OpenAtomicWriteStreamOptions): Promise<AtomicWriteStream> {
  const file = createAtomicFile({ path: options.path });
  const stream = createWriteStream(file.temporaryPath, options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark });
  try {
    await once(stream, 'open');
  } catch (error) {
    await file.abort();
    throw error;
  }
  return {
    path: options.path,
    stream,
    async commit() {
      const finished = once(stream, 'finish');
      stream.end();
      await finished;
      await file.commit();
    },
    async abort() {
      if (!stream.destroyed) {
        const closed = once(stream, 'close').catch(() => undefined);
        stream.destroy();
        await closed;
      }
      await file.abort();
    },
  };
}
