import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The fixtures the tests read, inside the repository (`packages/test-kit/fixtures/`), so that a clone needs
 * nothing beside it. Third-party files carry their licence in `fixtures/NOTICE.md`.
 */
export const fixturesDirectory = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** The path of a fixture file or folder: `fixturePath('spider-dev', 'tables.json')`. */
export function fixturePath(...segments: string[]): string {
  return join(fixturesDirectory, ...segments);
}
