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

// The reference sets, with a trailing slash, so that a test appends a path inside the set.
export const spiderDirectory = `${fixturePath('spider-dev')}/`;
export const flagaiDirectory = `${fixturePath('flagai')}/`;
export const birdMiniDevDirectory = `${fixturePath('bird-mini-dev')}/`;
export const datasetRowsDirectory = `${fixturePath('dataset-rows')}/`;

/** The five published systems in `bird-mini-dev/predictions/` (`predict_mini_dev_<system>.json`), by name. */
export const birdMiniDevSystems = [
  'gpt-35-turbo-instruct_sqlite',
  'gpt-4-o_cot_SQLite',
  'gpt-4_sqlite',
  'meta-llama-3-70b-instruct-2_sqlite',
  'mistralai-mixtral-8x7b-instru-4_sqlite',
] as const;

/**
 * Three published systems' Spider dev predictions in `spider-dev/predictions/` (`<system>.txt`, one SQL a line,
 * aligned with `dev_gold.sql`), by name, in the order the vote tests give them.
 */
export const spiderDevSystems = ['DIN-SQL_GPT4', 'DAIL-SQL_GPT4', 'C3SQL_GPT35'] as const;

/** A Spider dev database file by name: `spiderDatabase('concert_singer')`. */
export function spiderDatabase(name: string): string {
  return fixturePath('spider-dev', 'database', name, `${name}.sqlite`);
}
