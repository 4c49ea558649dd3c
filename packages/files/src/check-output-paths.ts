import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OutputIsInputError, OutputPathError } from './output-errors.js';

/** A path a command reads or writes, with the flag or name a user knows it by (`--output`, `the gold file`). */
export interface LabelledPath {
  path: string;
  label: string;
}

export interface CheckOutputPathsOptions {
  /** The files the command will write. */
  outputs: readonly LabelledPath[];
  /** The files it reads; none of them may be written. */
  inputs?: readonly LabelledPath[];
}

type FileIdentity = { device: number; inode: number } | undefined;

async function identity(path: string): Promise<{ isDirectory: boolean; id: FileIdentity } | undefined> {
  try {
    const info = await stat(path);
    return { isDirectory: info.isDirectory(), id: { device: info.dev, inode: info.ino } };
  } catch {
    return undefined;
  }
}

const describe = ({ path, label }: LabelledPath): string => `${label} ${path}`;

/**
 * Checks, before any work starts, that every output can be written without harm: it is not one of the
 * inputs (same path, link or hard link), not a folder, not named twice, and its folder exists. Throws an
 * `OutputPathError` (or `OutputIsInputError`) that names the flag, the path and what to do.
 */
export async function checkOutputPaths(options: CheckOutputPathsOptions): Promise<void> {
  const inputs = await Promise.all(
    (options.inputs ?? []).map(async (input) => ({
      input,
      resolved: resolve(input.path),
      found: await identity(input.path),
    })),
  );
  const seen: { output: LabelledPath; resolved: string; id: FileIdentity }[] = [];
  for (const output of options.outputs) {
    const resolved = resolve(output.path);
    const found = await identity(output.path);
    if (found?.isDirectory === true)
      throw new OutputPathError(`${describe(output)} is a folder: give the path of a file to write.`);
    const folder = dirname(resolved);
    const parent = await identity(folder);
    if (parent === undefined)
      throw new OutputPathError(
        `${describe(output)}: the folder ${folder} does not exist; create it first or choose another path.`,
      );
    if (!parent.isDirectory)
      throw new OutputPathError(`${describe(output)}: ${folder} is not a folder; choose another path.`);
    const sameFile = (other: { resolved: string; id: FileIdentity }): boolean =>
      other.resolved === resolved ||
      (found?.id !== undefined &&
        other.id !== undefined &&
        other.id.device === found.id.device &&
        other.id.inode === found.id.inode);
    for (const { input, resolved: inputResolved, found: inputFound } of inputs) {
      if (sameFile({ resolved: inputResolved, id: inputFound?.id })) {
        throw new OutputIsInputError(
          `${describe(output)} is also the input (${describe(input)}): writing it would destroy the input; choose another output path.`,
        );
      }
    }
    const twin = seen.find((other) => sameFile(other));
    if (twin !== undefined)
      throw new OutputPathError(`${describe(output)} is also ${describe(twin.output)}: give each output its own path.`);
    seen.push({ output, resolved, id: found?.id });
  }
}
