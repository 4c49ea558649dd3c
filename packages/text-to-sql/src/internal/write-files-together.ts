import { writeFile } from 'node:fs/promises';
import { createAtomicFile, type AtomicFile } from '@aquila/files';

export interface WriteFilesTogetherOptions {
  files: readonly { path: string; data: string | Uint8Array }[];
  signal?: AbortSignal;
}

/**
 * Writes each file under a temporary name beside it, and only when all are written renames them into place, one
 * after the other: files that belong together (predictions and gold, the reports of one evaluation) are never
 * left half-written, and a failure before the renames leaves every old file as it was.
 */
export async function writeFilesTogether(options: WriteFilesTogetherOptions): Promise<void> {
  const started: AtomicFile[] = [];
  try {
    for (const { path, data } of options.files) {
      const file = createAtomicFile({ path });
      started.push(file);
      await writeFile(file.temporaryPath, data, options.signal === undefined ? {} : { signal: options.signal });
    }
  } catch (error) {
    await Promise.all(started.map((file) => file.abort()));
    throw error;
  }
  for (const file of started) await file.commit();
}
