// evaluation_ves.py's reward of one correct question from its timings, to the last bit of the official arithmetic.

/** One question's timed iterations, in seconds: `pred[i]` and `gold[i]` were measured in iteration i. */
export interface RVesTimings {
  pred: readonly number[];
  gold: readonly number[];
}

// numpy's pairwise summation of float64 (np.mean and np.std use it): 8 running sums up to 128 values, halves above.
function pairwiseSum(values: readonly number[], start: number, count: number): number {
  if (count < 8) {
    let sum = 0;
    for (let index = start; index < start + count; index += 1) sum += values[index] as number;
    return sum;
  }
  if (count <= 128) {
    const partial = values.slice(start, start + 8);
    let index = 8;
    for (; index < count - (count % 8); index += 8)
      for (let lane = 0; lane < 8; lane += 1)
        partial[lane] = (partial[lane] as number) + (values[start + index + lane] as number);
    const [a, b, c, d, e, f, g, h] = partial as [number, number, number, number, number, number, number, number];
    let sum = a + b + (c + d) + (e + f + (g + h));
    for (; index < count; index += 1) sum += values[start + index] as number;
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, count - half);
}

// clean_abnormal: the ratios strictly inside mean ± 3σ (population σ, as np.std), in order.
function withoutOutliers(ratios: readonly number[]): number[] {
  const mean = pairwiseSum(ratios, 0, ratios.length) / ratios.length;
  const squares = ratios.map((ratio) => (ratio - mean) * (ratio - mean));
  const deviation = Math.sqrt(pairwiseSum(squares, 0, squares.length) / squares.length);
  return ratios.filter((ratio) => ratio < mean + 3 * deviation && ratio > mean - 3 * deviation);
}

/**
 * The reward (0, 0.25, 0.5, 0.75, 1 or 1.25) that evaluation_ves.py gives a question whose results match, from its
 * timings: ratio gold/pred per iteration, outliers dropped, τ their mean, then the reward table. Where the official
 * code raises (a prediction time of 0, every ratio dropped because all are equal, no iteration) the question
 * scores 0, as its `except Exception` makes it.
 */
export function rVesReward(timings: RVesTimings): number {
  const { pred, gold } = timings;
  if (pred.length === 0 || pred.some((time) => time === 0)) return 0;
  const kept = withoutOutliers(pred.map((time, index) => (gold[index] as number) / time));
  if (kept.length === 0) return 0;
  // Python's built-in sum: left to right.
  let sum = 0;
  for (const ratio of kept) sum += ratio;
  const ratio = sum / kept.length;
  if (ratio === 0) return 0;
  if (ratio >= 2) return 1.25;
  if (ratio >= 1) return 1;
  if (ratio >= 0.5) return 0.75;
  if (ratio >= 0.25) return 0.5;
  return 0.25;
}

/** compute_ves over questions' rewards: Σ 100·√reward / N, summed in order. */
export function rVesScore(rewards: readonly number[]): number {
  let total = 0;
  for (const reward of rewards) total += Math.sqrt(reward) * 100;
  return total / rewards.length;
}
