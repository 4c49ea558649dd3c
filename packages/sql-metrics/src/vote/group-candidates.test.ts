import { describe, expect, it } from 'vitest';
import { type CandidateResult, groupCandidates } from './group-candidates.js';

const rows = (...values: (number | bigint | string | null)[][]): CandidateResult => ({ ok: true, rows: values });
const failed: CandidateResult = { ok: false, error: 'no such table: t' };

describe('groupCandidates', () => {
  it('joins each candidate to the first group whose first member it equals; the largest group wins', () => {
    const result = groupCandidates({
      equality: 'spider',
      results: [rows([1n]), rows([2n]), failed, rows([2n]), rows([1n]), rows([2.0])],
    });
    expect(result).toEqual({
      groups: [
        [0, 4],
        [1, 3, 5],
      ],
      winner: 1,
      chosen: 1,
    });
  });

  it('gives a tie to the group formed first, and the first candidate when every one fails', () => {
    expect(groupCandidates({ equality: 'bird', results: [failed, rows([3n]), rows([4n])] }).chosen).toBe(1);
    expect(groupCandidates({ equality: 'bird', results: [failed, failed] })).toEqual({
      groups: [],
      winner: undefined,
      chosen: 0,
    });
  });

  it('compares by the equality asked for', () => {
    // Same rows in another order, duplicates, swapped columns.
    const a = rows([1n, 'x'], [2n, 'y']);
    const reordered = rows([2n, 'y'], [1n, 'x']);
    const duplicated = rows([1n, 'x'], [2n, 'y'], [2n, 'y']);
    const swapped = rows(['x', 1n], ['y', 2n]);
    const sizes = (equality: 'spider' | 'bird' | 'exact') =>
      groupCandidates({ equality, results: [a, reordered, duplicated, swapped] }).groups;
    // result_eq: bags of rows up to a column permutation, order ignored.
    expect(sizes('spider')).toEqual([[0, 1, 3], [2]]);
    // BIRD: sets of row tuples (duplicates and order ignored, column order not).
    expect(sizes('bird')).toEqual([[0, 1, 2], [3]]);
    expect(sizes('exact')).toEqual([[0], [1], [2], [3]]);
  });
});
