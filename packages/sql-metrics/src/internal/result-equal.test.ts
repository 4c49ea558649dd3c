import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Row, resultEqual, type SqliteValue } from './result-equal.js';

// Upstream's result_eq, written the slow way: every column permutation, Python equality spelled out.
function pythonEqual(left: SqliteValue, right: SqliteValue): boolean {
  const numeric = (value: SqliteValue): boolean => typeof value === 'bigint' || typeof value === 'number';
  if (numeric(left) && numeric(right)) {
    if (typeof left === typeof right) return left === right;
    // int == float: equal as numbers, exactly.
    const [integer, float] = (typeof left === 'bigint' ? [left, right] : [right, left]) as [bigint, number];
    return Number.isInteger(float) && BigInt(float) === integer;
  }
  if (left instanceof Uint8Array && right instanceof Uint8Array) return Buffer.from(left).equals(Buffer.from(right));
  return left === right;
}

function rowsEqual(left: Row, right: Row): boolean {
  return left.length === right.length && left.every((value, index) => pythonEqual(value, right[index] as SqliteValue));
}

function bagEqual(left: readonly Row[], right: readonly Row[]): boolean {
  const remaining = [...right];
  for (const row of left) {
    const index = remaining.findIndex((candidate) => rowsEqual(row, candidate));
    if (index < 0) return false;
    remaining.splice(index, 1);
  }
  return remaining.length === 0;
}

function* permutations(size: number): Generator<number[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (const rest of permutations(size - 1))
    for (let index = 0; index <= rest.length; index += 1)
      yield [...rest.slice(0, index), size - 1, ...rest.slice(index)];
}

function slowResultEqual(gold: readonly Row[], pred: readonly Row[], orderMatters: boolean): boolean {
  if (gold.length === 0 && pred.length === 0) return true;
  if (gold.length !== pred.length || (gold[0] as Row).length !== (pred[0] as Row).length) return false;
  for (const permutation of permutations((gold[0] as Row).length)) {
    const permuted = pred.map((row) => permutation.map((index) => row[index] as SqliteValue));
    if (orderMatters ? gold.every((row, index) => rowsEqual(row, permuted[index] as Row)) : bagEqual(gold, permuted))
      return true;
  }
  return false;
}

const value: fc.Arbitrary<SqliteValue> = fc.oneof(
  fc.constantFrom<SqliteValue>(null, 1n, 2n, 1, 2, 1.5, '1', 'a', 'b'),
  fc.integer({ min: 0, max: 3 }).map((number) => BigInt(number)),
  fc.constantFrom<SqliteValue>(new Uint8Array([1]), new Uint8Array([97])),
);

describe('resultEqual', () => {
  it('agrees with a brute-force result_eq on random small results', () => {
    const cases = fc.integer({ min: 1, max: 4 }).chain((columns) =>
      fc.integer({ min: 0, max: 4 }).chain((rows) => {
        const table = fc.array(fc.array(value, { minLength: columns, maxLength: columns }), {
          minLength: rows,
          maxLength: rows,
        });
        return fc.tuple(table, table, fc.boolean(), fc.nat());
      }),
    );
    fc.assert(
      fc.property(cases, ([gold, other, orderMatters, shift]) => {
        const rotated = gold.map((_, index) => gold[(index + shift) % gold.length] as Row);
        const reversed = gold.map((row) => [...row].reverse());
        for (const candidate of [other, rotated, reversed, rotated.map((row) => [...row].reverse())]) {
          expect(resultEqual(gold, candidate, orderMatters)).toBe(slowResultEqual(gold, candidate, orderMatters));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('follows Python equality: 37 == 37.0, "1" != 1, duplicates count without ORDER BY', () => {
    expect(resultEqual([[37n]], [[37]], false)).toBe(true);
    expect(resultEqual([['1']], [[1n]], false)).toBe(false);
    expect(resultEqual([[1n], [1n], [2n]], [[1n], [2n], [2n]], false)).toBe(false);
    expect(resultEqual([[1n], [2n]], [[2n], [1n]], false)).toBe(true);
    expect(resultEqual([[1n], [2n]], [[2n], [1n]], true)).toBe(false);
    expect(resultEqual([[1n, 'a']], [['a', 1n]], true)).toBe(true);
    expect(resultEqual([], [], true)).toBe(true);
  });
});
