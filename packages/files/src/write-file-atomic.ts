import { writeFilesTogether } from './write-files-together.js';

export interface WriteFileAtomicOptions {
  /** The final path. */
  path: string;
  /** The whole content. */
  data: string | Uint8Array;
  signal?: AbortSignal;
}

/** Writes a whole file under a temporary name and renames it into place: readers see the old file or the new one. */
export function writeFileAtomic(options: WriteFileAtomicOptions): Promise<void> {
  return writeFilesTogether({
    files: [{ path: options.path, data: options.data }],
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}
