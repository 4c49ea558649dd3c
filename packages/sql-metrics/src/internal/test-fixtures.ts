// Paths and loaders of the reference fixtures (inside the repository, through @aquila/test-kit), for tests and
// the benchmark only.
import { readFileSync } from 'node:fs';
import { fixturePath } from '@aquila/test-kit';

// With a trailing slash, so that a test appends a path inside the set.
export const spiderDirectory = `${fixturePath('spider-dev')}/`;
export const flagaiDirectory = `${fixturePath('flagai')}/`;

/** Non-empty lines of a fixture file. */
export function fixtureLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}

/** A JSONL fixture's records. */
export function fixtureJsonl<T>(path: string): T[] {
  return fixtureLines(path).map((line) => JSON.parse(line) as T);
}
