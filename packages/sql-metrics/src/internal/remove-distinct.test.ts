import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { removeDistinct } from './remove-distinct.js';

const module = new URL('./remove-distinct.properties.ts', import.meta.url);

it('drops DISTINCT tokens but not DISTINCT inside strings, names or comments, and ends at a top-level ;', () => {
  expect(removeDistinct('SELECT DISTINCT name FROM t WHERE x = "distinct" -- distinct')).toBe(
    'SELECT  name FROM t WHERE x = "distinct" -- distinct',
  );
  expect(removeDistinct('SELECT count(distinct a) FROM t; DROP TABLE t')).toBe('SELECT count( a) FROM t; ');
  expect(removeDistinct('SELECT a FROM t;  -- done\n')).toBe('SELECT a FROM t;  -- done\n');
  expect(removeDistinct('SELECT distinctive FROM t')).toBe('SELECT distinctive FROM t');
});

it('takes a 10 MB string literal or quoted name (the regex lexer overflowed its stack)', () => {
  const literal = `'${'x'.repeat(10_000_000)}'`;
  expect(removeDistinct(`SELECT DISTINCT name FROM t WHERE name = ${literal};`)).toBe(
    `SELECT  name FROM t WHERE name = ${literal};`,
  );
  const name = `"${'y'.repeat(10_000_000)}"`;
  expect(removeDistinct(`SELECT DISTINCT ${name} FROM t`)).toBe(`SELECT  ${name} FROM t`);
});

// In a worker with a wall-clock limit: a scanner stuck in a loop fails the test instead of stopping the suite.
describe('removeDistinct properties', () => {
  it('returns text without a `distinct` or `;` unchanged, as the token path does', async () => {
    await checkPropertyInWorker({
      module,
      exportName: 'leavesTextWithoutDistinctOrSemicolonAsItIs',
      timeoutMs: 120_000,
    });
  });

  it('gives what the token path gives, never throws, and leaves no DISTINCT token', async () => {
    await checkPropertyInWorker({ module, exportName: 'takesTheTokenPathAndLeavesNoDistinct', timeoutMs: 120_000 });
  });
});
