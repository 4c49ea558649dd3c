import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options of `assetFolder`. */
export interface AssetFolderOptions {
  /** The folder under the package's `assets/`. */
  name: string;
  /** A file the folder must hold, to tell it from a stray folder of the same name. */
  probe: string;
}

/**
 * A folder shipped in the package's `assets/`. Found by walking up from this module, so it resolves the same from
 * `src/` under tests and from the bundled `dist/`.
 */
export function assetFolder(options: AssetFolderOptions): string {
  for (let directory = dirname(fileURLToPath(import.meta.url)); ; directory = dirname(directory)) {
    const candidate = join(directory, 'assets', options.name);
    if (existsSync(join(candidate, options.probe))) return candidate;
    if (dirname(directory) === directory)
      throw new Error(
        `assets/${options.name} is missing above ${fileURLToPath(import.meta.url)}: the package is incomplete; reinstall it.`,
      );
  }
}
