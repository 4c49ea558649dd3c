import { describe, expect, it } from 'vitest';
import { rVesReward, rVesScore } from './r-ves-reward.js';

// Timings whose gold/pred ratios are `ratios` (pred 1 s each).
const timings = (ratios: number[]) => ({ pred: ratios.map(() => 1), gold: ratios });

describe('rVesReward, from fixed timings checked by hand against evaluation_ves.py', () => {
  it('follows the reward table on τ, the mean of the ratios kept', () => {
    expect(rVesReward(timings([2, 3, 2, 3]))).toBe(1.25); // τ 2.5
    expect(rVesReward(timings([1.5, 2.5]))).toBe(1.25); // τ exactly 2
    expect(rVesReward(timings([1, 1.5]))).toBe(1); // τ 1.25
    expect(rVesReward(timings([0.6, 0.8]))).toBe(0.75); // τ 0.7
    expect(rVesReward(timings([0.25, 0.75]))).toBe(0.75); // τ exactly 0.5
    expect(rVesReward(timings([0.3, 0.4]))).toBe(0.5); // τ 0.35
    expect(rVesReward(timings([0.2, 0.3]))).toBe(0.5); // τ exactly 0.25
    expect(rVesReward(timings([0.1, 0.2]))).toBe(0.25); // τ 0.15
    // Times in seconds: gold 3 ms and pred 1 ms, gold 1 ms and pred 1 ms: ratios 3 and 1, τ 2.
    expect(rVesReward({ pred: [0.001, 0.001], gold: [0.003, 0.001] })).toBe(1.25);
  });

  it('drops ratios not strictly inside mean ± 3σ (population σ)', () => {
    // 99 ratios of 1 and one of 100: mean 1.99, σ 9.85, so 100 lies outside and τ is 1.
    expect(rVesReward(timings([...Array.from({ length: 99 }, () => 1), 100]))).toBe(1);
    // Kept, it would give τ 1.99 and reward 1 as well; with 200 it would be 2.99 and 1.25.
    expect(rVesReward(timings([...Array.from({ length: 99 }, () => 1), 200]))).toBe(1);
  });

  it('scores 0 where the official code raises or τ is 0', () => {
    // All ratios equal: σ 0, every ratio dropped, the mean divides by zero.
    expect(rVesReward(timings([2, 2, 2]))).toBe(0);
    // One iteration is the same case.
    expect(rVesReward(timings([3]))).toBe(0);
    // A prediction time of 0 raises ZeroDivisionError.
    expect(rVesReward({ pred: [0, 1], gold: [1, 1] })).toBe(0);
    // Gold times of 0: τ 0.
    expect(rVesReward({ pred: [1, 2], gold: [0, 0] })).toBe(0);
    expect(rVesReward({ pred: [], gold: [] })).toBe(0);
  });
});

describe('rVesScore', () => {
  it('is the mean of 100·√reward (the square root the README formula lacks)', () => {
    expect(rVesScore([1.25, 1, 0.75, 0.5, 0.25, 0])).toBe(
      (Math.sqrt(1.25) * 100 + 100 + Math.sqrt(0.75) * 100 + Math.sqrt(0.5) * 100 + 50 + 0) / 6,
    );
    expect(rVesScore([1.25])).toBeCloseTo(111.8034, 4);
    expect(rVesScore([0.75])).toBeCloseTo(86.6025, 4);
  });
});
