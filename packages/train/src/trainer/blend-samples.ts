/**
 * A blend of several datasets' samples: each contributes in proportion to its weight (a small one is
 * cycled), over as many samples as they hold together, as Megatron's BlendedDataset draws them.
 */
export function blendSamples<T>(options: { samples: readonly (readonly T[])[]; weights: readonly number[] }): T[] {
  const { samples, weights } = options;
  if (samples.length === 1) return [...(samples[0] as readonly T[])];
  const total = samples.reduce((count, items) => count + items.length, 0);
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  const blended: T[] = [];
  samples.forEach((items, index) => {
    const share = Math.max(1, Math.round(((weights[index] ?? 0) / weightSum) * total));
    for (let draw = 0; draw < share && items.length > 0; draw += 1) blended.push(items[draw % items.length] as T);
  });
  return blended;
}
