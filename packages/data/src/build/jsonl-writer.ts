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
  let lines = 0;
  // Lines are gathered into ~1 MiB writes: one write (and at most one wait) per thousand-odd records.
  let pending: string[] = [];
  let pendingLength = 0;
  // A write error (a full disk) is kept by the stream and thrown by the next write or the commit.
  async function flush(): Promise<void> {
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    pendingLength = 0;
    await file.write(chunk);
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
