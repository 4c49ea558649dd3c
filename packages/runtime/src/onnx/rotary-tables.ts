import type { ModelShape } from '../checkpoint/model-config.js';
import { rotaryInverseFrequencies } from './rope-scaling.js';

/** cos/sin of `position · θ^(−2i/d)` (rescaled by `rope_scaling`) for every position and half-dimension: `[maxPositions, headSize/2]`, as GQA's caches. */
export function rotaryTables(shape: ModelShape): { cos: Float32Array; sin: Float32Array } {
  const half = shape.headSize / 2;
  const cos = new Float32Array(shape.maxPositions * half);
  const sin = new Float32Array(shape.maxPositions * half);
  const frequencies = rotaryInverseFrequencies(shape);
  for (let position = 0; position < shape.maxPositions; position++) {
    for (let index = 0; index < half; index++) {
      const angle = position * (frequencies[index] as number);
      cos[position * half + index] = Math.cos(angle);
      sin[position * half + index] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
