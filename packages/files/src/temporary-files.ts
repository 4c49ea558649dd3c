import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

// One registry per process, shared by every copy of this package (Symbol.for), so that one exit hook
// removes the temporary files of all of them.
const registryKey = Symbol.for('aquila.files.temporary');
const globals = globalThis as typeof globalThis & { [registryKey]?: Set<string> };

function registry(): Set<string> {
  let paths = globals[registryKey];
  if (paths === undefined) {
    paths = new Set();
    globals[registryKey] = paths;
    // 'exit' runs on process.exit() and on a natural end, never on a fatal signal: the CLI turns Ctrl-C
    // and SIGTERM into process.exit, so this hook sees those too.
    process.once('exit', removeTemporaryFilesSync);
  }
  return paths;
}

/**
 * A fresh temporary name beside `path` (same folder, so the final rename is atomic), hidden and marked
 * with the process id. It is registered until `releaseTemporaryPath`: if the process exits first, the
 * file is removed, so an interrupted write never leaves a partial file behind.
 */
export function temporaryPathFor(path: string): string {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.partial`);
  registry().add(temporary);
  return temporary;
}

/** Stops tracking a temporary path (it was renamed into place or removed). */
export function releaseTemporaryPath(temporary: string): void {
  registry().delete(temporary);
}

/** Removes every temporary file still registered; for exit and signal handlers, so it is synchronous. */
export function removeTemporaryFilesSync(): void {
  const paths = globals[registryKey];
  if (paths === undefined) return;
  for (const path of paths) {
    try {
      rmSync(path, { force: true });
    } catch {
      // Best effort at exit: a file that cannot be removed now cannot be removed later either.
    }
  }
  paths.clear();
}
