import { fileURLToPath } from 'node:url';

/**
 * The folder of sample sources the tests read (`samples/` in the package, written by `generate-samples.ts`): one
 * small file per dataset, in its exact on-hub format, and `build.yaml`, which builds them all.
 */
export function samplesDirectory(): string {
  return fileURLToPath(new URL('../samples/', import.meta.url));
}
