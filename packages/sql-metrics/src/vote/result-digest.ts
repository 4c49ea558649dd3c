import { createHash } from 'node:crypto';
import { rowKey } from '../bird/rows-equal.js';
import { type Row, unorderedRowKey, valueKey } from '../internal/result-equal.js';
import type { VoteEquality } from './vote-equality.js';

// Column orders tried for one result under Spider's equality, and rows sorted in all; past either, no digest.
const mostColumnOrders = 120;
const mostSortedRows = 2_000_000;

const sortedDistinct = (keys: readonly string[]): string[] => [...new Set(keys)].sort();

function factorial(value: number): number {
  return value <= 1 ? 1 : value * factorial(value - 1);
}

// Every order of `columns` that keeps each group of interchangeable columns in its place, groups in turn.
function* columnOrders(groups: readonly (readonly number[])[]): Generator<number[]> {
  const [first, ...rest] = groups;
  if (first === undefined) {
    yield [];
    return;
  }
  const permutations = (items: readonly number[]): number[][] =>
    items.length <= 1
      ? [[...items]]
      : items.flatMap((item, index) =>
          permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((tail) => [item, ...tail]),
        );
  for (const head of permutations(first)) for (const tail of columnOrders(rest)) yield [...head, ...tail];
}

/**
 * result_eq with row order ignored as one text: equal results, and only they, give the same text. A valid
 * column permutation maps each column to one with the same multiset of values, so columns are ordered by that
 * multiset, and only columns with equal multisets are tried in every order (the smallest sorted rows win).
 * Upstream's quick check (the set of rows, each with its values sorted) is a condition of its own and goes in
 * as it is. Undefined when too many orders are possible.
 */
function spiderText(rows: readonly Row[]): string | undefined {
  // Both empty: equal, whatever their columns.
  if (rows.length === 0) return '';
  const keys = rows.map((row) => row.map(valueKey));
  const columnCount = (keys[0] as string[]).length;
  // One column: the bag of values is all (the quick check's set of one-value rows follows from it).
  if (columnCount === 1)
    return keys
      .map((row) => JSON.stringify(row))
      .sort()
      .join('\n');
  const signatures = Array.from({ length: columnCount }, (_, column) =>
    JSON.stringify(keys.map((row) => row[column] as string).sort()),
  );
  const byValues = Array.from({ length: columnCount }, (_, column) => column).sort((left, right) =>
    (signatures[left] as string) < (signatures[right] as string) ? -1 : signatures[left] === signatures[right] ? 0 : 1,
  );
  const groups: number[][] = [];
  for (const column of byValues) {
    const last = groups.at(-1);
    if (last !== undefined && signatures[last[0] as number] === signatures[column]) last.push(column);
    else groups.push([column]);
  }
  const orders = groups.reduce((count, group) => count * factorial(group.length), 1);
  if (orders > mostColumnOrders || orders * rows.length > mostSortedRows) return undefined;
  let smallest: string | undefined;
  for (const order of columnOrders(groups)) {
    const text = keys
      .map((row) => JSON.stringify(order.map((column) => row[column])))
      .sort()
      .join('\n');
    if (smallest === undefined || text < smallest) smallest = text;
  }
  return `${smallest}\n\n${sortedDistinct(rows.map(unorderedRowKey)).join('\n')}`;
}

/**
 * A result's digest under `equality` (SHA-256 of a canonical text): two results count as one answer exactly when
 * their digests are equal, so a worker can send the digest instead of the rows. Undefined where Spider's
 * equality would have to try more than 120 column orders (columns with the same values), or sort more than two
 * million rows in all: such results are compared row by row. Whether a result has a digest depends only on what
 * the equality keeps (row count, columns' values), so a result with one never equals a result without.
 */
export function resultDigest(equality: VoteEquality, rows: readonly Row[]): string | undefined {
  const text =
    equality === 'spider'
      ? spiderText(rows)
      : equality === 'bird'
        ? sortedDistinct(rows.map(rowKey)).join('\n')
        : JSON.stringify(rows.map((row) => row.map(valueKey)));
  return text === undefined ? undefined : createHash('sha256').update(text).digest('base64');
}
