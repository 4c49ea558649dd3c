import { realpathSync, statSync } from 'node:fs';
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
 * On an error call `abort`; if the process exits first, the temporary file is removed at exit. A path that is a
 * symbolic link writes the file it names; a device or pipe is written in place (`temporaryPath` is the path).
 */
export function createAtomicFile(options: CreateAtomicFileOptions): AtomicFile {
  const { target, direct } = resolveTarget(options.path);
  // A device, pipe or socket (`--html /dev/stdout`) is written in place: renaming over it would replace it.
  if (direct)
    return { path: options.path, temporaryPath: target, commit: async () => undefined, abort: async () => undefined };
  const temporaryPath = temporaryPathFor(target);
  return {
    path: options.path,
    temporaryPath,
    async commit() {
      await rename(temporaryPath, target);
      releaseTemporaryPath(temporaryPath);
    },
    async abort() {
      await rm(temporaryPath, { force: true });
      releaseTemporaryPath(temporaryPath);
    },
  };
}

/**
 * Where the bytes go: through a symbolic link to the file it names (the link stays a link), and whether the
 * target is something other than a regular file, to be written in place.
 */
function resolveTarget(path: string): { target: string; direct: boolean } {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    return { target: path, direct: false };
  }
  // `/dev/stdout` resolves to a name like `/proc/1/fd/pipe:[7]` that cannot be opened by name: write it as given.
  return isFile ? { target: realpathSync(path), direct: false } : { target: path, direct: true };
}
