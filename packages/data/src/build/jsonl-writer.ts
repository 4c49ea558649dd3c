import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

export interface JsonlWriter {
  write(value: unknown): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
  readonly lines: number;
}

/** Writes JSONL to a temporary name, honours backpressure, and renames it into place at `finish`. */
export function createJsonlWriter(path: string): JsonlWriter {
  const temporary = `${path}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const stream = createWriteStream(temporary, { highWaterMark: 1 << 22 });
  let lines = 0;
  // Lines are gathered into ~1 MiB writes: one write (and at most one wait) per thousand-odd records.
  let pending: string[] = [];
  let pendingLength = 0;
  async function flush(): Promise<void> {
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
      stream.end();
      await once(stream, 'finish');
      await rename(temporary, path);
    },
    async abort() {
      stream.destroy();
      await rm(temporary, { force: true });
    },
    get lines() {
      return lines;
    },
  };
}
