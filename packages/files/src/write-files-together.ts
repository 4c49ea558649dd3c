import { writeFile } from 'node:fs/promises';
import { type AtomicFile, createAtomicFile } from './atomic-file.js';

export interface WriteFilesTogetherOptions {
  /** The files, each with its whole content; they are renamed into place in this order. */
  files: readonly { path: string; data: string | Uint8Array }[];
  signal?: AbortSignal;
}

/**
 * Writes each file under a temporary name beside it and renames them into place only once all are written: files
 * that belong together (predictions and gold, a tokenizer's two files, the reports of one run) are never left half
 * written, and a failure before the renames leaves every old file as it was.
 */
export async function writeFilesTogether(options: WriteFilesTogetherOptions): Promise<void> {
  const started: AtomicFile[] = [];
  try {
    for (const { path, data } of options.files) {
      const file = createAtomicFile({ path });
      started.push(file);
      await writeFile(file.temporaryPath, data, options.signal === undefined ? {} : { signal: options.signal });
    }
    for (const file of started) await file.commit();
  } catch (error) {
    // A committed file's temporary name is gone already: abort removes only what is still pending.
    await Promise.all(started.map((file) => file.abort()));
    throw error;
  }
}
