import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReadmeExampleFolder {
  /** An empty folder to write and run the example in. */
  directory: string;
  remove(): Promise<void>;
}

/**
 * A folder outside the repository where a README example imports `@aquila/<name>` as a user's project would: a
 * `node_modules/@aquila/<name>` link one level up names the package's folder, whose `@aquila/source` export
 * condition gives its sources to the tests.
 */
export async function readmeExampleFolder(packageName: string): Promise<ReadmeExampleFolder> {
  const root = await mkdtemp(join(tmpdir(), `aquila-${packageName}-readme-`));
  const packageDirectory = fileURLToPath(new URL(`../../${packageName}`, import.meta.url));
  await mkdir(join(root, 'node_modules', '@aquila'), { recursive: true });
  await symlink(packageDirectory, join(root, 'node_modules', '@aquila', packageName), 'dir');
  const directory = join(root, 'example');
  await mkdir(directory);
  return { directory, remove: () => rm(root, { recursive: true, force: true }) };
}
