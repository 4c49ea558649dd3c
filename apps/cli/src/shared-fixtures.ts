import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of a shared fixture set (`shared/fixtures/<name>` beside the checkout), found by walking up
 * from this module, so that it resolves the same from `src/` under tests and from the bundled `dist/`.
 * `AQUILA_SHARED_FIXTURES` points elsewhere. Undefined when absent: demo stages that need it skip.
 */
export function sharedFixtures(name: string): string | undefined {
  const override = process.env.AQUILA_SHARED_FIXTURES;
  if (override) return existsSync(join(override, name)) ? join(override, name) : undefined;
  for (let directory = dirname(fileURLToPath(import.meta.url)); ; directory = dirname(directory)) {
    const candidate = join(directory, 'shared', 'fixtures', name);
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}
