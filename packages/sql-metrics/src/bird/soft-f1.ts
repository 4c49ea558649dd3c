import { type Row, valueKey } from '../internal/result-equal.js';
import { rowKey } from './rows-equal.js';

export interface SoftF1Options {
  pred: readonly Row[];
  gold: readonly Row[];
  /**
   * 'position' (default): mini_dev's `calculate_f1_score`, gold row i against pred row i after removing duplicates.
   * 'content' (the strict mode): rows with the same values are paired first, whatever their order, and the rest by
   * position, so that reordering a result cannot change its score.
   */
  pairing?: 'position' | 'content';
}

interface KeyedRow {
  values: string[];
  set: Set<string>;
}

function keyed(rows: readonly Row[]): KeyedRow[] {
  // list(dict.fromkeys(rows)): duplicates removed, first occurrence kept.
  const seen = new Set<string>();
  const unique: KeyedRow[] = [];
  for (const row of rows) {
    const key = rowKey(row);
    if (seen.has(key)) continue;
    seen.add(key);
    const values = row.map(valueKey);
    unique.push({ values, set: new Set(values) });
  }
  return unique;
}

// Rows with the same values (as a bag) pair up first; the remaining rows keep their order.
function pairByContent(pred: KeyedRow[], gold: KeyedRow[]): [KeyedRow[], KeyedRow[]] {
  const bag = (row: KeyedRow): string => JSON.stringify([...row.values].sort());
  const waiting = new Map<string, KeyedRow[]>();
  for (const row of pred) {
    const key = bag(row);
    const list = waiting.get(key);
    if (list === undefined) waiting.set(key, [row]);
    else list.push(row);
  }
  const pairedGold: KeyedRow[] = [];
  const pairedPred: KeyedRow[] = [];
  const restGold: KeyedRow[] = [];
  const used = new Set<KeyedRow>();
  for (const row of gold) {
    const match = waiting.get(bag(row))?.shift();
    if (match === undefined) restGold.push(row);
    else {
      pairedGold.push(row);
      pairedPred.push(match);
      used.add(match);
    }
  }
  return [
    [...pairedPred, ...pred.filter((row) => !used.has(row))],
    [...pairedGold, ...restGold],
  ];
}

/** BIRD's Soft-F1 of one question's results, as mini_dev's `evaluation_f1.py` computes it (since bee73fe). */
export function softF1(options: SoftF1Options): number {
  if (options.pred.length === 0 && options.gold.length === 0) return 1;
  let pred = keyed(options.pred);
  let gold = keyed(options.gold);
  if (options.pairing === 'content') [pred, gold] = pairByContent(pred, gold);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  // Summed in the order the official lists are, so that the floating-point result is the same.
  for (const [index, goldRow] of gold.entries()) {
    const predRow = pred[index];
    if (predRow === undefined) {
      fn += 1;
      continue;
    }
    const width = goldRow.values.length;
    let matches = 0;
    let predOnly = 0;
    let goldOnly = 0;
    for (const value of predRow.values) {
      if (goldRow.set.has(value)) matches += 1;
      else predOnly += 1;
    }
    for (const value of goldRow.values) if (!predRow.set.has(value)) goldOnly += 1;
    tp += matches / width;
    fp += predOnly / width;
    fn += goldOnly / width;
  }
  for (let index = gold.length; index < pred.length; index += 1) fp += 1;
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}
