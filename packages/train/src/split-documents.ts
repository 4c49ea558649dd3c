import { IndexMapError } from './errors.js';

// Python's round(): halves go to the even neighbour (round(2.5) == 2), which decides split edges.
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Megatron's `get_train_valid_test_split_`: "90,10" (or "90/10", up to three weights) over `size`
 * documents, as four boundaries `[0, trainEnd, validEnd, size]`; split k holds documents
 * `[boundaries[k], boundaries[k + 1])`.
 */
export function splitDocuments(options: { split: string; size: number }): [number, number, number, number] {
  const { split, size } = options;
  const separator = split.includes(',') ? ',' : split.includes('/') ? '/' : undefined;
  const weights = (separator === undefined ? [split] : split.split(separator)).map((part) => Number(part.trim()));
  if (weights.some((weight) => !Number.isFinite(weight) || weight < 0) || weights.length > 3) {
    throw new IndexMapError(
      `split "${split}" must be up to three non-negative numbers separated by "," or "/", e.g. "90,10" or "949,50,1"`,
    );
  }
  while (weights.length < 3) weights.push(0);
  const sum = weights.reduce((total, weight) => total + weight, 0);
  if (sum <= 0) throw new IndexMapError(`split "${split}" has no positive weight`);
  const boundaries = [0];
  for (const weight of weights) boundaries.push((boundaries.at(-1) as number) + roundHalfEven((weight / sum) * size));
  const difference = (boundaries[3] as number) - size;
  for (let index = 1; index < 4; index += 1) boundaries[index] = (boundaries[index] as number) - difference;
  return boundaries as [number, number, number, number];
}
