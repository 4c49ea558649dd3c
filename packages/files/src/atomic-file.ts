import { rename, rm } from 'node:fs/promises';
import { releaseTemporaryPath, temporaryPathFor } from './temporary-files.js';

export interface CreateAtomicFileOptions {
  /** The final path; nothing appears under it until `commit`. */
  path: string;
}

/** A file being written under a temporary name beside its final path. */
export interface AtomicFile {
  /** The final path. */
  readonly path: string;
  /** Where to write until `commit`. */
  readonly temporaryPath: string;
  /** Renames the finished temporary file onto the final path (atomic on one file system). */
  commit(): Promise<void>;
  /** Removes the temporary file; the final path keeps whatever it held before. */
  abort(): Promise<void>;
}

/**
 * Starts a file that is complete or absent: write `temporaryPath` (open it however suits), then `commit`.
 * On an error call `abort`; if the process exits first, the temporary file is removed at exit.
 */
export function createAtomicFile(options: CreateAtomicFileOptions): AtomicFile {
  const temporaryPath = temporaryPathFor(options.path);
  return {
    path: options.path,
    temporaryPath,
    async commit() {
      await rename(temporaryPath, options.path);
      releaseTemporaryPath(temporaryPath);
    },
    async abort() {
      await rm(temporaryPath, { force: true });
      releaseTemporaryPath(temporaryPath);
    },
  };
}
