import type { CheckpointConversionEstimate, GenerationEstimate } from '@aquila/runtime';

const gigabytes = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

/** One line on what generating will hold: weights, KV cache (for `batchSize` sequences of the whole context), activations. */
export function describeGenerationMemory(estimate: GenerationEstimate): string {
  return (
    `about ${gigabytes(estimate.totalBytes)} of memory: weights ${gigabytes(estimate.weightBytes)}, ` +
    `KV cache up to ${gigabytes(estimate.cacheBytes)} (${estimate.batchSize} sequence${estimate.batchSize === 1 ? '' : 's'} × ${estimate.contextLength} positions), ` +
    `activations ${gigabytes(estimate.activationBytes)}`
  );
}

/** Two lines on what a conversion will write and hold, and what generating from its output will hold. */
export function describeConversionMemory(estimate: CheckpointConversionEstimate): string {
  const { conversion, generation } = estimate;
  return (
    `estimate: writes ${gigabytes(conversion.outputBytes)} of weights; converting holds about ${gigabytes(conversion.peakBytes)} of memory (largest step: ${conversion.largestStep})\n` +
    `estimate: generating from it holds ${describeGenerationMemory(generation)}\n`
  );
}
