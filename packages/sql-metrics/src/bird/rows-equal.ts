import { type Row, valueKey } from '../internal/result-equal.js';

/** A row as Python hashes a tuple: its values by Python `==` (1 == 1.0, exact big integers), in column order. */
export function rowKey(row: Row): string {
  return JSON.stringify(row.map(valueKey));
}

/** mini_dev's EX comparison: `set(pred_rows) == set(gold_rows)` (row order and duplicates ignored, column order not). */
export function rowsEqual(pred: readonly Row[], gold: readonly Row[]): boolean {
  const goldKeys = new Set(gold.map(rowKey));
  const predKeys = new Set(pred.map(rowKey));
  if (goldKeys.size !== predKeys.size) return false;
  for (const key of predKeys) if (!goldKeys.has(key)) return false;
  return true;
}
