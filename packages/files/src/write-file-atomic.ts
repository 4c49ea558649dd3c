import { writeFile } from 'node:fs/promises';
import { createAtomicFile } from './atomic-file.js';

export interface WriteFileAtomicOptions {
  /** The final path. */
  path: string;
  /** The whole content. */
  data: string | Uint8Array;
  signal?: AbortSignal;
}

/** Writes a whole file under a temporary name and renames it into place: readers see the old file or the new one. */
export async function writeFileAtomic(options: WriteFileAtomicOptions): Promise<void> {
  const file = createAtomicFile({ path: options.path });
  try {
    await writeFile(file.temporaryPath, options.data, options.signal === undefined ? {} : { signal: options.signal });
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}
