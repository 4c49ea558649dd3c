import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelShape } from '../checkpoint/model-config.js';

/** Tiny decoder shapes for tests: GQA needs head sizes that are multiples of 16 for its kernels. */
export const tinyShapes = {
  multiHead: {
    vocabSize: 96,
    hiddenSize: 64,
    intermediateSize: 192,
    layerCount: 2,
    headCount: 4,
    keyValueHeadCount: 4,
    headSize: 16,
    rmsNormEpsilon: 1e-5,
    ropeTheta: 10000,
    maxPositions: 48,
    tiedEmbeddings: false,
  },
  groupedTied: {
    vocabSize: 80,
    hiddenSize: 64,
    intermediateSize: 128,
    layerCount: 3,
    headCount: 4,
    keyValueHeadCount: 2,
    headSize: 16,
    rmsNormEpsilon: 1e-6,
    ropeTheta: 500000,
    maxPositions: 40,
    tiedEmbeddings: true,
  },
  groupedWide: {
    vocabSize: 72,
    hiddenSize: 96,
    intermediateSize: 256,
    layerCount: 2,
    headCount: 6,
    keyValueHeadCount: 2,
    headSize: 16,
    rmsNormEpsilon: 1e-5,
    ropeTheta: 10000,
    maxPositions: 64,
    tiedEmbeddings: false,
  },
} satisfies Record<string, ModelShape>;

/** A temporary folder removed by the returned cleanup. */
export async function temporaryDirectory(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `aquila-runtime-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index++)
    if ((values[index] as number) > (values[best] as number)) best = index;
  return best;
}

/** The largest absolute difference between two equal-length arrays. */
export function maxAbsoluteDifference(left: ArrayLike<number>, right: ArrayLike<number>): number {
  let largest = 0;
  for (let index = 0; index < left.length; index++)
    largest = Math.max(largest, Math.abs((left[index] as number) - (right[index] as number)));
  return largest;
}
