import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../internal/random.js';
import { sampleToken } from './sample-token.js';

function frequencies(
  logits: number[],
  options: Parameters<typeof sampleToken>[0] extends infer T
    ? Omit<T & object, 'logits' | 'tokenIds' | 'random'>
    : never,
  draws = 4000,
): number[] {
  const random = createRandom(42);
  const counts = logits.map(() => 0);
  for (let draw = 0; draw < draws; draw++) {
    const token = sampleToken({ ...options, logits: Float32Array.from(logits), tokenIds: [], random });
    counts[token] = (counts[token] as number) + 1;
  }
  return counts.map((count) => count / draws);
}

describe('sampleToken', () => {
  it('is greedy at temperature 0 and applies the repetition penalty first', () => {
    expect(sampleToken({ logits: Float32Array.of(0.1, 2, 1.9), tokenIds: [], random: Math.random })).toBe(1);
    expect(
      sampleToken({ logits: Float32Array.of(0.1, 2, 1.9), tokenIds: [1], repetitionPenalty: 1.1, random: Math.random }),
    ).toBe(2);
    expect(
      sampleToken({
        logits: Float32Array.of(-3, -1, -1.05),
        tokenIds: [1],
        repetitionPenalty: 1.1,
        random: Math.random,
      }),
    ).toBe(2);
  });

  it('samples from softmax(logits / temperature)', () => {
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const observed = frequencies(logits, { temperature: 1 });
    [0.5, 0.3, 0.2].forEach((expected, index) =>
      expect(Math.abs((observed[index] as number) - expected)).toBeLessThan(0.03),
    );
  });

  it('keeps ties at the k-th logit for top-k and cuts the tail for top-p', () => {
    const topK = frequencies([3, 2, 2, 1, 0], { temperature: 1, topK: 2 });
    expect(topK[3]).toBe(0);
    expect(topK[2]).toBeGreaterThan(0); // tied with the 2nd largest: kept, as FlagAI does
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)];
    const topP = frequencies(logits, { temperature: 1, topP: 0.7 });
    expect(topP[2]).toBe(0);
    expect(Math.abs((topP[0] as number) - 0.625)).toBeLessThan(0.03);
  });

  it('draws what sorting the whole vocabulary would (the nucleus is selected, not sorted)', () => {
    // The plain definition: weights of the kept tokens, sorted by weight (then id) for top-p, one draw.
    const bySorting = (logits: number[], temperature: number, topK: number, topP: number, draw: number): number => {
      const threshold =
        topK > 0 && topK < logits.length
          ? ([...logits].sort((left, right) => right - left)[topK - 1] as number)
          : -Infinity;
      const largest = Math.max(...logits);
      let kept = logits.flatMap((value, token) =>
        value >= threshold ? [{ token, weight: Math.exp((value - largest) / temperature) }] : [],
      );
      const total = kept.reduce((sum, { weight }) => sum + weight, 0);
      let mass = total;
      if (topP < 1) {
        kept.sort((left, right) => right.weight - left.weight || left.token - right.token);
        mass = 0;
        const nucleus = [];
        for (const candidate of kept) {
          if (mass > topP * total) break;
          mass += candidate.weight;
          nucleus.push(candidate);
        }
        kept = nucleus;
      }
      let remaining = draw * mass;
      for (const { token, weight } of kept) {
        remaining -= weight;
        if (remaining < 0) return token;
      }
      return (kept.at(-1) as { token: number }).token;
    };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.nat({ max: 50 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (integers, temperature, topK, topP, draw) => {
          const logits = integers.map((value) => value / 8); // coarse values: many ties
          const token = sampleToken({
            logits: Float32Array.from(logits),
            tokenIds: [],
            temperature,
            topK,
            topP,
            random: () => draw,
          });
          expect(token).toBe(bySorting(Array.from(Float32Array.from(logits)), temperature, topK, topP, draw));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('repeats its choices for the same seed', () => {
    const run = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 20 }, () =>
        sampleToken({ logits: Float32Array.of(1, 1.2, 0.8, 1.1), tokenIds: [], temperature: 1, random }),
      );
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});
