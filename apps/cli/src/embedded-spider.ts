import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Spider dev subset the demo answers, shipped in the package (`assets/spider-demo`: questions, schemas and
 * databases). Found by walking up from this module, so it resolves the same from `src/` under tests and from the
 * bundled `dist/`.
 */
export function embeddedSpider(): string {
  for (let directory = dirname(fileURLToPath(import.meta.url)); ; directory = dirname(directory)) {
    const candidate = join(directory, 'assets', 'spider-demo');
    if (existsSync(join(candidate, 'dev.json'))) return candidate;
    if (dirname(directory) === directory)
      throw new Error(
        `assets/spider-demo is missing above ${fileURLToPath(import.meta.url)}: the package is incomplete; reinstall it.`,
      );
  }
}
