import { once } from 'node:events';
import { openAtomicWriteStream } from '@aquila/files';

export interface JsonlWriter {
  write(value: unknown): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
  readonly lines: number;
}

/** Writes JSONL to a temporary name, honours backpressure, and renames it into place at `finish`. */
export async function createJsonlWriter(path: string): Promise<JsonlWriter> {
  const file = await openAtomicWriteStream({ path, highWaterMark: 1 << 22 });
  const { stream } = file;
  // A write error (a full disk) is emitted once, perhaps while nobody waits on the stream: keep it, so the
  // next call throws it instead of the process dying of an unhandled 'error' or waiting for a 'finish' that never comes.
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure ??= error;
  });
  let lines = 0;
  // Lines are gathered into ~1 MiB writes: one write (and at most one wait) per thousand-odd records.
  let pending: string[] = [];
  let pendingLength = 0;
  async function flush(): Promise<void> {
    if (failure !== undefined) throw failure;
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    pendingLength = 0;
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
  return {
    async write(value) {
      lines++;
      const line = `${JSON.stringify(value)}\n`;
      pending.push(line);
      pendingLength += line.length;
      if (pendingLength >= 1 << 20) await flush();
    },
    async finish() {
      await flush();
      await file.commit();
    },
    abort: () => file.abort(),
    get lines() {
      return lines;
    },
  };
}
