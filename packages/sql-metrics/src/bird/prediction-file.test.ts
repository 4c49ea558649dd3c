import { readFileSync } from 'node:fs';
import { birdMiniDevDirectory, checkPropertyInWorker } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { formatBirdPredictions, parseBirdPredictions } from './prediction-file.js';

describe('parseBirdPredictions', () => {
  it("reads the published files: 500 predictions each, naming the question's database", () => {
    const questions = JSON.parse(readFileSync(`${birdMiniDevDirectory}mini_dev_sqlite.json`, 'utf8')) as {
      db_id: string;
    }[];
    const text = readFileSync(`${birdMiniDevDirectory}predictions/predict_mini_dev_gpt-4_sqlite.json`, 'utf8');
    const predictions = parseBirdPredictions(text);
    expect(predictions).toHaveLength(500);
    expect(predictions.map(({ dbId }) => dbId)).toEqual(questions.map(({ db_id }) => db_id));
    expect(predictions[0]?.sql.startsWith('SELECT\n    (SELECT COUNT(*) FROM customers')).toBe(true);
    // The official writer's own layout, byte for byte.
    expect(formatBirdPredictions(predictions as { sql: string; dbId: string }[])).toBe(text);
  });

  it("follows mini_dev's loading rules: key order by position, non-strings as ' ', no single separator used whole", () => {
    const text = `{"1": "SELECT 1\\t----- bird -----\\tsuperhero", "0": null, "x": 3, "2": "  SELECT 2  ",
      "3": "a\\t----- bird -----\\tb\\t----- bird -----\\tc", "1": " SELECT 9 \\t----- bird -----\\tdb ", "4": NaN}`;
    expect(parseBirdPredictions(text)).toEqual([
      { sql: ' SELECT 9 ', dbId: 'db ', missing: false },
      { sql: ' ', dbId: undefined, missing: true },
      { sql: ' ', dbId: undefined, missing: true },
      { sql: 'SELECT 2', dbId: undefined, missing: false },
      { sql: 'a\t----- bird -----\tb\t----- bird -----\tc', dbId: undefined, missing: false },
      { sql: ' ', dbId: undefined, missing: true },
    ]);
    expect(parseBirdPredictions('{}')).toEqual([]);
  });

  it('names the problem in text that is not a JSON object', () => {
    expect(() => parseBirdPredictions('["SELECT 1"]')).toThrow(/not a JSON object: Expecting a JSON object/);
    expect(() => parseBirdPredictions('{"0": "SELECT 1",}')).toThrow(/Expecting property name.* at character 17/);
    expect(() => parseBirdPredictions('{"0": "SELECT 1"} x')).toThrow(/Extra data at character 18/);
    expect(() => parseBirdPredictions('')).toThrow(/AQUILA|JSON object/);
  });
});

describe('formatBirdPredictions', () => {
  it('writes the official JSON, ASCII only, and refuses what the loader could not split back', () => {
    expect(formatBirdPredictions([{ sql: "SELECT 'é'", dbId: 'superhero' }])).toBe(
      '{\n    "0": "SELECT \'\\u00e9\'\\t----- bird -----\\tsuperhero"\n}',
    );
    expect(formatBirdPredictions([])).toBe('{}');
    expect(() => formatBirdPredictions([{ sql: 'x\t----- bird -----\ty', dbId: 'a' }])).toThrow(
      /prediction 0 cannot be written/,
    );
  });
});

// In a worker with a wall-clock limit: a scanner stuck in a loop fails the test instead of stopping the suite.
describe('BIRD prediction file properties', () => {
  const module = new URL('./prediction-file.properties.ts', import.meta.url);

  it('format then parse gives the entries back', async () => {
    await checkPropertyInWorker({ module, exportName: 'formatThenParseRoundTrips', timeoutMs: 120_000 });
  });

  it('reads any JSON object as JSON.parse does, in key order', async () => {
    await checkPropertyInWorker({ module, exportName: 'readsWhatJsonParseReads', timeoutMs: 120_000 });
  });

  it('throws its own error on anything else, and never hangs', async () => {
    await checkPropertyInWorker({ module, exportName: 'neverHangsOrCrashes', timeoutMs: 120_000 });
  });
});
