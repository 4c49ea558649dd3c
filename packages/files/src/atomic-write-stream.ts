import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
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
  /** The underlying stream, for APIs that take one; a failure of it is kept and thrown by `write` and `commit`. */
  readonly stream: WriteStream;
  /** Writes a chunk, waiting while the stream is full; rejects once the stream has failed (a full disk). */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Ends the stream, waits until it is flushed, and renames the file onto `path`. */
  commit(): Promise<void>;
  /** Destroys the stream and removes the temporary file. */
  abort(): Promise<void>;
}

/** Opens a stream whose file appears under `path` only once it is complete. Resolves once the file is open. */
export async function openAtomicWriteStream(options: OpenAtomicWriteStreamOptions): Promise<AtomicWriteStream> {
  const file = createAtomicFile({ path: options.path });
  const stream = createWriteStream(
    file.temporaryPath,
    options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark },
  );
  // A write that fails while nobody waits (ENOSPC) must not crash the process: keep the error for the next call.
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure ??= error;
  });
  const settled = (event: 'drain' | 'finish'): Promise<void> =>
    new Promise((resolve, reject) => {
      const done = (error?: Error): void => {
        stream.off(event, onEvent);
        stream.off('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onEvent = (): void => done();
      const onClose = (): void =>
        done(failure ?? new Error(`${options.path}: the stream closed before it was complete`));
      stream.on(event, onEvent);
      stream.on('close', onClose);
    });
  try {
    await once(stream, 'open');
  } catch (error) {
    await file.abort();
    throw error;
  }
  return {
    path: options.path,
    stream,
    async write(chunk) {
      if (failure !== undefined) throw failure;
      if (!stream.write(chunk)) await settled('drain');
    },
    async commit() {
      if (failure !== undefined) throw failure;
      const finished = settled('finish');
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
