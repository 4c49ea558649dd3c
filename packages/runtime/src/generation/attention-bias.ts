/** An additive attention bias: 0 where a query row may attend, −∞ where not. */
export interface AttentionBias {
  data: Float32Array;
  dims: number[];
}

export interface AttentionBiasesOptions {
  /** How many positions each sequence of the step already holds in the cache. */
  pastLengths: readonly number[];
  /** The step's new tokens per sequence. */
  length: number;
  /** The cache capacity (positions) the past bias spans. */
  capacity: number;
  /** Query heads per key/value head: the graph's query rows are `groups × length`, row r at offset r % length. */
  groups: number;
  /** A query at position p sees keys p − window < j ≤ p (transformers' `kv_idx > q_idx - sliding_window`); absent: all j ≤ p. */
  slidingWindow?: number;
}

/**
 * The biases of one decoder step: over the cache, `[batch, 1, 1, capacity]` (each sequence's own positions),
 * or `[batch, 1, groups·length, capacity]` where a sliding window cuts a prefill's rows differently; and over
 * the step's own rows, `[1, 1, groups·length, length]` (causal, and windowed), the same for every sequence.
 */
export function attentionBiases(options: AttentionBiasesOptions): { past: AttentionBias; new: AttentionBias } {
  const { pastLengths, length, capacity, groups } = options;
  const window = options.slidingWindow ?? Number.POSITIVE_INFINITY;
  const batch = pastLengths.length;
  const rows = groups * length;
  /** The first position a query at `position` sees. */
  const firstVisible = (position: number): number => Math.max(0, position - window + 1);
  const cuts = pastLengths.some((pastLength) => firstVisible(pastLength + length - 1) > 0);
  const pastRows = cuts && length > 1 ? rows : 1;
  const past = new Float32Array(batch * pastRows * capacity).fill(Number.NEGATIVE_INFINITY);
  pastLengths.forEach((pastLength, index) => {
    for (let row = 0; row < pastRows; row++) {
      const start = (index * pastRows + row) * capacity;
      const first = Math.min(pastLength, firstVisible(pastLength + (row % length)));
      past.fill(0, start + first, start + pastLength);
    }
  });
  const own = new Float32Array(rows * length).fill(Number.NEGATIVE_INFINITY);
  for (let row = 0; row < rows; row++) {
    const offset = row % length;
    own.fill(0, row * length + firstVisible(offset), row * length + offset + 1);
  }
  return {
    past: { data: past, dims: [batch, 1, pastRows, capacity] },
    new: { data: own, dims: [1, 1, rows, length] },
  };
}
