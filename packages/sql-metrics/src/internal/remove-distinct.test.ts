import fc from 'fast-check';
import { expect, it } from 'vitest';
import { removeDistinct, removeDistinctTokens } from './remove-distinct.js';

it('drops DISTINCT tokens but not DISTINCT inside strings, names or comments, and ends at a top-level ;', () => {
  expect(removeDistinct('SELECT DISTINCT name FROM t WHERE x = "distinct" -- distinct')).toBe('SELECT  name FROM t WHERE x = "distinct" -- distinct');
  expect(removeDistinct('SELECT count(distinct a) FROM t; DROP TABLE t')).toBe('SELECT count( a) FROM t; ');
  expect(removeDistinct('SELECT a FROM t;  -- done\n')).toBe('SELECT a FROM t;  -- done\n');
  expect(removeDistinct('SELECT distinctive FROM t')).toBe('SELECT distinctive FROM t');
});

it('returns text without a `distinct` or `;` unchanged, as the token path does', () => {
  const text = fc.string({ unit: 'binary', maxLength: 80 }).filter((value) => !value.includes(';') && !/distinct/i.test(value));
  fc.assert(
    fc.property(text, (value) => {
      expect(removeDistinctTokens(value)).toBe(value);
      expect(removeDistinct(value)).toBe(value);
    }),
    { numRuns: 2000 },
  );
});
