import type { ModelShape } from '../checkpoint/model-config.js';

/**
 * The rotary inverse frequencies `θ^(−2i/d)`, `i < d/2`, after the shape's `rope_scaling`, computed as
 * transformers' `ROPE_INIT_FUNCTIONS` do (in float64 here): `linear` divides them by the factor; `llama3`
 * divides those whose wavelength passes `original / low_freq_factor` by the factor, keeps those under
 * `original / high_freq_factor`, and blends linearly in `original / wavelength` between; `dynamic` keeps them
 * while sequences stay within `max_position_embeddings`, which is the whole context here.
 */
export function rotaryInverseFrequencies(shape: ModelShape): Float64Array {
  const half = shape.headSize / 2;
  const frequencies = new Float64Array(half);
  for (let index = 0; index < half; index++) frequencies[index] = shape.ropeTheta ** ((-2 * index) / shape.headSize);
  const scaling = shape.ropeScaling;
  if (scaling?.type === 'linear') return frequencies.map((frequency) => frequency / scaling.factor);
  if (scaling?.type !== 'llama3') return frequencies;
  const { factor, lowFrequencyFactor, highFrequencyFactor, originalMaxPositions } = scaling;
  const longestKept = originalMaxPositions / highFrequencyFactor;
  const shortestScaled = originalMaxPositions / lowFrequencyFactor;
  return frequencies.map((frequency) => {
    const wavelength = (2 * Math.PI) / frequency;
    if (wavelength < longestKept) return frequency;
    if (wavelength > shortestScaled) return frequency / factor;
    const smooth =
      (originalMaxPositions / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor);
    return (1 - smooth) * (frequency / factor) + smooth * frequency;
  });
}
