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
  const stream = createWriteStream(temporary);
  let lines = 0;
  return {
    async write(value) {
      lines++;
      if (!stream.write(`${JSON.stringify(value)}\n`)) await once(stream, 'drain');
    },
    async finish() {
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
