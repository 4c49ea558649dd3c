import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { OutputFolderNotOwnedError, OutputPathError } from './output-errors.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** The marker file that says a folder was written by an Aquila tool and may be emptied by it again. */
export const outputFolderMarker = '.aquila-output.json';

export interface PrepareOutputFolderOptions {
  /** The folder to write into. */
  directory: string;
  /** Who writes it, e.g. `aquila demo`: a folder is emptied again only by the same owner. */
  owner: string;
  /** Empty a folder that holds other files too (never the working folder, one above it, or the home folder). */
  force?: boolean;
}

export interface PreparedOutputFolder {
  /** The folder did not exist and was created. */
  created: boolean;
  /** Entries removed from an earlier run (or, with `force`, whatever was there). */
  removed: number;
}

async function readMarker(directory: string): Promise<string | undefined> {
  try {
    const marker = JSON.parse(await readFile(join(directory, outputFolderMarker), 'utf8')) as { owner?: unknown };
    return typeof marker.owner === 'string' ? marker.owner : undefined;
  } catch {
    return undefined;
  }
}

/** Whether emptying `directory` would empty the working folder, a folder above it, the home folder or the root. */
function isProtected(directory: string): boolean {
  const target = resolve(directory);
  const cwd = process.cwd();
  const root = resolve(sep);
  return target === root || target === resolve(homedir()) || cwd === target || cwd.startsWith(`${target}${sep}`);
}

/**
 * Makes `directory` ready for a run that fills it: creates it when missing, leaves it when empty, empties
 * it when its marker names the same owner (an earlier run of the same tool), and otherwise refuses with
 * `OutputFolderNotOwnedError` unless `force`. Writes the marker, so the next run may empty it again.
 */
export async function prepareOutputFolder(options: PrepareOutputFolderOptions): Promise<PreparedOutputFolder> {
  const { directory, owner } = options;
  let created = false;
  let entries: string[] = [];
  try {
    if (!(await stat(directory)).isDirectory())
      throw new OutputPathError(`${directory} is a file, not a folder: choose a folder to write into.`);
    entries = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(directory, { recursive: true });
    created = true;
  }
  let removed = 0;
  // A folder holding nothing but a marker holds no one's work.
  if (entries.some((entry) => entry !== outputFolderMarker)) {
    const ours = (await readMarker(directory)) === owner;
    if (!ours && options.force !== true) {
      const examples = entries.slice(0, 3).join(', ');
      throw new OutputFolderNotOwnedError(
        `${directory} already holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} that ${owner} did not write (${examples}${entries.length > 3 ? ', …' : ''}); ` +
          'choose a new or empty folder, or pass --force to empty it.',
      );
    }
    if (!ours && isProtected(directory))
      throw new OutputFolderNotOwnedError(
        `${directory} is the working folder, one above it, or the home folder: it is never emptied, even with --force; choose a new folder.`,
      );
    for (const entry of entries) await rm(join(directory, entry), { recursive: true, force: true });
    removed = entries.filter((entry) => entry !== outputFolderMarker).length;
  }
  await writeFileAtomic({
    path: join(directory, outputFolderMarker),
    data: `${JSON.stringify({ owner, note: `written by ${owner}; it empties this folder on its next run` }, null, 2)}\n`,
  });
  return { created, removed };
}
