import { spawnSync } from 'node:child_process';
import { needs } from '@aquila/test-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomState } from './random-state.js';

const numpy = needs({ numpy: true });

describe('RandomState', () => {
  it.skipIf(numpy.skip)(`matches numpy's RandomState output and shuffle for several seeds ${numpy.label}`, () => {
    const seeds = [0, 1, 2023, 1234, 0xffffffff];
    const script = String.raw`
import json, sys, numpy as np
out = []
for seed in json.loads(sys.argv[1]):
    r = np.random.RandomState(seed)
    raw = [int(v) for v in r.randint(0, 2**32, size=700, dtype=np.uint64)]
    a = np.arange(1000, dtype=np.uint32); r.shuffle(a)
    b = np.arange(5, dtype=np.int32); r.shuffle(b)
    out.append({'raw': raw, 'a': a.tolist(), 'b': b.tolist()})
print(json.dumps(out))`;
    const result = spawnSync('python3', ['-c', script, JSON.stringify(seeds)], { encoding: 'utf8' });
    const expected = JSON.parse(result.stdout) as Array<{ raw: number[]; a: number[]; b: number[] }>;
    seeds.forEach((seed, index) => {
      const random = new RandomState(seed);
      expect(Array.from({ length: 700 }, () => random.nextUint32())).toEqual(expected[index]?.raw);
      expect(Array.from(random.shuffle(new Uint32Array(1000).map((_, value) => value)))).toEqual(expected[index]?.a);
      expect(Array.from(random.shuffle(new Int32Array(5).map((_, value) => value)))).toEqual(expected[index]?.b);
    });
  });

  it('shuffles into a permutation and keeps interval draws in range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.integer(), { maxLength: 200 }),
        (seed, values) => {
          const random = new RandomState(seed);
          const shuffled = random.shuffle([...values]);
          expect([...shuffled].sort((a, b) => a - b)).toEqual([...values].sort((a, b) => a - b));
          const max = (seed % 1000) + 1;
          const draw = random.interval(max);
          return draw >= 0 && draw <= max;
        },
      ),
    );
  });

  it('rejects seeds numpy rejects', () => {
    expect(() => new RandomState(-1)).toThrow(RangeError);
    expect(() => new RandomState(2 ** 32)).toThrow(RangeError);
    expect(() => new RandomState(1.5)).toThrow(RangeError);
  });
});
