import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of the files under a folder, its subfolders included (links are not followed). */
export async function folderSize(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) total += await folderSize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}
