import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The folder of bundled sample sources (`samples/` in the package): one small file per dataset, in its
 * exact on-hub format. Resolved from the built `dist/` or, in tests, from `src/…`.
 */
export function samplesDirectory(): string {
  for (const relative of ['../samples/', '../../samples/', '../../../samples/']) {
    const candidate = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${candidate}sql_create_context_v4.json`)) return candidate;
  }
  throw new Error('The @aquila/data samples folder is missing from this installation.');
}
