// Paths and loaders of the shared reference fixtures, for tests and the benchmark only.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixturesDirectory = fileURLToPath(new URL('../../../../../shared/fixtures/', import.meta.url));
export const spiderDirectory = `${fixturesDirectory}spider-dev/`;
export const flagaiDirectory = `${fixturesDirectory}flagai/`;

/** Non-empty lines of a fixture file. */
export function fixtureLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0);
}

/** A JSONL fixture's records. */
export function fixtureJsonl<T>(path: string): T[] {
  return fixtureLines(path).map((line) => JSON.parse(line) as T);
}
