// Paths of the reference fixtures (inside the repository, through @aquila/test-kit), for tests and the benchmark only.
import { fixturePath } from '@aquila/test-kit';

// With a trailing slash, so that a test appends a path inside the set.
export const spiderDirectory = `${fixturePath('spider-dev')}/`;
export const flagaiDirectory = `${fixturePath('flagai')}/`;

/** A Spider dev database file by name. */
export const spiderDatabase = (name: string): string => fixturePath('spider-dev', 'database', name, `${name}.sqlite`);
