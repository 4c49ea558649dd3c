import { expect, it } from 'vitest';
import { blendSamples } from './blend-samples.js';

it('draws from each dataset in proportion to its weight, cycling a small one', () => {
  const large = Array.from({ length: 30 }, (_, index) => `a${index}`);
  const small = ['b0', 'b1'];
  const blended = blendSamples({ samples: [large, small], weights: [1, 1] });
  expect(blended).toHaveLength(32);
  expect(blended.filter((item) => item.startsWith('b'))).toEqual([
    'b0',
    'b1',
    'b0',
    'b1',
    'b0',
    'b1',
    'b0',
    'b1',
    'b0',
    'b1',
    'b0',
    'b1',
    'b0',
    'b1',
    'b0',
    'b1',
  ]);
  expect(
    blendSamples({ samples: [large, small], weights: [3, 1] }).filter((item) => item.startsWith('a')),
  ).toHaveLength(24);
  expect(blendSamples({ samples: [small], weights: [5] })).toEqual(small);
});
