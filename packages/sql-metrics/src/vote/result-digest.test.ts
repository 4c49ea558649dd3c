import { describe, expect, it } from 'vitest';
import type { Row, SqliteValue } from '../internal/result-equal.js';
import { resultDigest } from './result-digest.js';
import { resultsMatch, type VoteEquality, voteEqualities } from './vote-equality.js';

// A small deterministic generator (mulberry32), so that a failure names its case.
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

// Few distinct values, ints beside equal floats, so that equal and nearly equal results are common.
const values: SqliteValue[] = [1n, 1, 1.5, 2n, 2, 'a', 'b', '1', null, new Uint8Array([97])];

function variant(random: () => number, rows: readonly Row[]): Row[] {
  const columns = rows[0]?.length ?? 0;
  const order = Array.from({ length: columns }, (_, column) => column).sort(() => random() - 0.5);
  let result: Row[] = rows.map((row) => order.map((column) => row[column] as SqliteValue));
  if (random() < 0.5) result = [...result].sort(() => random() - 0.5);
  if (random() < 0.3 && result.length > 0) {
    // Change one value: an int for its float, or another value.
    const row = Math.floor(random() * result.length);
    const column = Math.floor(random() * columns);
    const value = result[row]?.[column];
    const swapped = typeof value === 'bigint' ? Number(value) : values[Math.floor(random() * values.length)];
    result[row] = result[row]?.map((item, index) => (index === column ? (swapped as SqliteValue) : item)) as Row;
  }
  if (random() < 0.1) result.push(result[0] ?? []);
  return result;
}

describe('resultDigest', () => {
  it('gives equal digests exactly to results the equality counts as one answer', () => {
    const random = generator(20);
    let equalPairs = 0;
    for (let trial = 0; trial < 4000; trial += 1) {
      const columns = 1 + Math.floor(random() * 4);
      const rows = Array.from({ length: Math.floor(random() * 4) }, () =>
        Array.from({ length: columns }, () => values[Math.floor(random() * values.length)] as SqliteValue),
      );
      const other = variant(random, rows);
      for (const equality of voteEqualities as VoteEquality[]) {
        const same = resultDigest(equality, rows) === resultDigest(equality, other);
        expect(same, `${equality} case ${trial}`).toBe(resultsMatch(equality, rows, other));
        if (same) equalPairs += 1;
      }
    }
    expect(equalPairs).toBeGreaterThan(1000);
  });

  it("keeps upstream's quick check: an int where a float was can sort a row differently", () => {
    // Sorted by str(x) + str(type(x)): (1.5, 1) against (1.0, 1.5), so result_eq says no though 1 == 1.0.
    expect(resultsMatch('spider', [[1n, 1.5]], [[1, 1.5]])).toBe(false);
    expect(resultDigest('spider', [[1n, 1.5]])).not.toBe(resultDigest('spider', [[1, 1.5]]));
    expect(resultDigest('spider', [[1n, 'x']])).toBe(resultDigest('spider', [['x', 1]]));
  });

  it('has no digest where Spider would try more than 120 column orders', () => {
    const row = Array.from({ length: 6 }, () => 7n);
    expect(resultDigest('spider', [row])).toBeUndefined();
    expect(resultDigest('spider', [row.slice(1)])).toBeDefined();
    expect(resultDigest('bird', [row])).toBeDefined();
  });
});
