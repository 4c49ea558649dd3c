import { rowsEqual } from '../bird/rows-equal.js';
import { type Row, resultEqual, type SqliteValue, valueKey } from '../internal/result-equal.js';

/**
 * When two candidates' results count as the same answer: Spider's `result_eq` with row order ignored (bags of rows,
 * up to a permutation of columns), BIRD's set of row tuples, or the same rows in the same order.
 */
export type VoteEquality = 'spider' | 'bird' | 'exact';

export const voteEqualities: readonly VoteEquality[] = ['spider', 'bird', 'exact'];

// Python's `==` between two lists of tuples: same length, same order, values equal as Python compares them.
function sameRowsInOrder(left: readonly Row[], right: readonly Row[]): boolean {
  if (left.length !== right.length) return false;
  return left.every((row, index) => {
    const other = right[index] as Row;
    return (
      row.length === other.length &&
      row.every((value, column) => valueKey(value) === valueKey(other[column] as SqliteValue))
    );
  });
}

/** Whether `candidate`'s rows equal `first`'s (a group's first member) under `equality`. */
export function resultsMatch(equality: VoteEquality, first: readonly Row[], candidate: readonly Row[]): boolean {
  if (first === candidate) return true;
  if (equality === 'spider') return resultEqual(first, candidate, false);
  if (equality === 'bird') return rowsEqual(candidate, first);
  return sameRowsInOrder(first, candidate);
}
