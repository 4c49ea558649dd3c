// Paths of the shared reference fixtures, for tests and the benchmark only.
import { fileURLToPath } from 'node:url';

export const fixturesDirectory = fileURLToPath(new URL('../../../../../shared/fixtures/', import.meta.url));
export const spiderDirectory = `${fixturesDirectory}spider-dev/`;
export const flagaiDirectory = `${fixturesDirectory}flagai/`;

/** A Spider dev database file by name. */
export const spiderDatabase = (name: string): string => `${spiderDirectory}database/${name}/${name}.sqlite`;
