import { describe, expect, it } from 'vitest';
import { rowsEqual } from './rows-equal.js';
import { softF1 } from './soft-f1.js';

describe('rowsEqual (mini_dev EX)', () => {
  it('compares sets of tuples by Python ==: 1 == 1.0, exact big integers, column order kept', () => {
    expect(rowsEqual([[1n]], [[1]])).toBe(true);
    expect(rowsEqual([[9007199254740993n]], [[9007199254740992]])).toBe(false);
    expect(rowsEqual([[9007199254740992n]], [[9007199254740992]])).toBe(true);
    expect(rowsEqual([['1']], [[1n]])).toBe(false);
    expect(rowsEqual([[1n, 2n]], [[2n, 1n]])).toBe(false);
    expect(rowsEqual([[1n], [1n], [2n]], [[2n], [1n]])).toBe(true);
    expect(rowsEqual([[null]], [[null]])).toBe(true);
    expect(rowsEqual([], [])).toBe(true);
  });
});

describe('softF1 (mini_dev evaluation_f1)', () => {
  it('pairs rows by position after removing duplicates; counts per gold row width', () => {
    expect(softF1({ pred: [], gold: [] })).toBe(1);
    expect(softF1({ pred: [[1n, 2n, 3n]], gold: [[1n]] })).toBe(0.5);
    expect(softF1({ pred: [[1n, 2n]], gold: [[2n, 1n]] })).toBe(1);
    expect(softF1({ pred: [[1n], [2n]], gold: [[2n], [1n]] })).toBe(0);
    expect(softF1({ pred: [[1n], [1n], [2n]], gold: [[1n], [2n]] })).toBe(1);
    expect(softF1({ pred: [[0n], [1n], [2n]], gold: [[1n], [2n]] })).toBe(0);
    expect(softF1({ pred: [], gold: [[1n]] })).toBe(0);
  });

  it('pairs equal rows first in the strict mode', () => {
    expect(softF1({ pred: [[1n], [2n]], gold: [[2n], [1n]], pairing: 'content' })).toBe(1);
    expect(softF1({ pred: [[0n], [1n], [2n]], gold: [[1n], [2n]], pairing: 'content' })).toBeCloseTo(0.8, 12);
    expect(softF1({ pred: [[2n, 1n]], gold: [[1n, 2n]], pairing: 'content' })).toBe(1);
  });
});
