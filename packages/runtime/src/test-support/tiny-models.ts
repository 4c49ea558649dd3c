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

/**
 * One tiny shape per architecture beyond plain LLaMA; `writeRandomCheckpoint` writes each with its HF
 * `model_type`. Scalings and windows are set so that they change the outputs within these short contexts.
 */
export const tinyArchitectures = {
  /** Qwen2/2.5: q/k/v biases, tied embeddings, θ = 10⁶, GQA. */
  qwen2: {
    ...tinyShapes.groupedTied,
    ropeTheta: 1_000_000,
    queryKeyValueBias: true,
  },
  /** Llama 3.2: `llama3` rope scaling (factor 32; an original context of 64, so that the frequencies used here fall in all three of its bands), tied, GQA. */
  llama32: {
    ...tinyShapes.groupedTied,
    ropeScaling: {
      type: 'llama3',
      factor: 32,
      lowFrequencyFactor: 1,
      highFrequencyFactor: 4,
      originalMaxPositions: 64,
    },
  },
  /** Mistral: a sliding window of 8 under a context of 48, GQA. */
  mistral: {
    ...tinyShapes.groupedWide,
    maxPositions: 48,
    slidingWindow: 8,
  },
  /** CodeLlama: θ = 10⁶, MHA, untied. */
  codeLlama: { ...tinyShapes.multiHead, ropeTheta: 1_000_000 },
  /** DeepSeek-Coder: linear rope scaling (factor 4). */
  linearScaled: { ...tinyShapes.multiHead, ropeScaling: { type: 'linear', factor: 4 } },
  /** Dynamic NTK (factor 2): the plain frequencies within max_position_embeddings, as in transformers. */
  dynamicScaled: { ...tinyShapes.groupedWide, ropeScaling: { type: 'dynamic', factor: 2 } },
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
