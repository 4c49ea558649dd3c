// Loaders of the reference fixtures (their paths come from @aquila/test-kit), for tests and the benchmark only.
import { readFileSync } from 'node:fs';

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
