import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { InputFileError } from '../errors.js';

export interface CheckInputFileOptions {
  path: string;
  /** How the user knows the file, e.g. `the input`, `sources[2]`. */
  label: string;
}

/**
 * Checks, before any work starts, that `path` is a file this process can read, so that a typo fails with one
 * line naming it instead of an ENOENT or EISDIR from deep inside a stream.
 */
export async function checkInputFile(options: CheckInputFileOptions): Promise<void> {
  const { path, label } = options;
  try {
    if ((await stat(path)).isDirectory())
      throw new InputFileError(`${label} ${path} is a folder: give the path of a file.`);
    await access(path, constants.R_OK);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new InputFileError(`${label} ${path} does not exist: check the path.`, { cause: error });
    throw new InputFileError(`${label} ${path} cannot be read (${code ?? String(error)}): check its permissions.`, {
      cause: error,
    });
  }
}
