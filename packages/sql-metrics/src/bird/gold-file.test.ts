import { describe, expect, it } from 'vitest';
import { parseBirdGold } from './gold-file.js';

describe('parseBirdGold', () => {
  it('reads SQL<TAB>db_id lines as line.strip().split("\\t"), with any line end', () => {
    expect(parseBirdGold('SELECT 1\tsuperhero\r\n  SELECT 2\tfinancial  \rSELECT 3\ttoxicology')).toEqual([
      { sql: 'SELECT 1', dbId: 'superhero' },
      { sql: 'SELECT 2', dbId: 'financial' },
      { sql: 'SELECT 3', dbId: 'toxicology' },
    ]);
    expect(parseBirdGold('')).toEqual([]);
  });

  it('stops on a line the official scripts stop on, naming it', () => {
    expect(() => parseBirdGold('SELECT 1\tsuperhero\nSELECT 2\n', 'gold.sql')).toThrow(
      /^gold\.sql:2: expected SQL<TAB>db_id, found no tab/,
    );
    expect(() => parseBirdGold('SELECT\t1\tsuperhero\n', 'gold.sql')).toThrow(/gold\.sql:1: .*found 2 tabs/);
    expect(() => parseBirdGold('SELECT 1\tsuperhero\n\nSELECT 2\tx\n', 'gold.sql')).toThrow(/gold\.sql:2:/);
  });
});
