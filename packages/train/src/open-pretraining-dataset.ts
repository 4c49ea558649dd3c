import { openIndexedDataset } from '@aquila/formats';
import { IndexMapError } from './errors.js';
import { type LoadedIndexMaps, loadIndexMaps } from './load-index-maps.js';
import { splitDocuments } from './split-documents.js';

const splitNames = ['train', 'valid', 'test'] as const;

/** Options of `openPretrainingDataset`. */
export interface OpenPretrainingDatasetOptions {
  /** The dataset prefix (path without `.bin`/`.idx`). */
  prefix: string;
  /** Megatron's `--split`, e.g. `"90,10"` (FlagAI's AquilaSQL value) or `"969,30,1"`. */
  split: string;
  /** Which split: `train`, `valid` or `test`. */
  name: (typeof splitNames)[number];
  /** Samples asked for (Megatron's train/valid/test sample count for this split). */
  numSamples: number;
  /** Megatron's `--seq-length`; each sample holds `sequenceLength + 1` tokens. */
  sequenceLength: number;
  /** Megatron's `--seed` (FlagAI's AquilaSQL uses 2023). */
  seed: number;
  /** Where the index-map `.npy` files go; default: beside the dataset, as Megatron does. */
  cacheDirectory?: string;
  signal?: AbortSignal;
}

/** Pretraining samples of one split, in Megatron's order. */
export interface PretrainingDataset {
  /** Number of samples (`sample_idx` rows − 1, which can exceed `numSamples`). */
  readonly length: number;
  /** The index maps and where they are cached. */
  readonly maps: LoadedIndexMaps;
  /** Sample `index` (taken modulo `length`): `sequenceLength + 1` token ids, as GPTDataset's `__getitem__`. */
  sample(index: number): Promise<Int32Array>;
  close(): Promise<void>;
}

/**
 * Opens a Megatron `.bin/.idx` dataset as GPTDataset does: split by documents, index maps loaded from or
 * written to Megatron's `.npy` cache, samples of `sequenceLength + 1` tokens packed across documents.
 */
export async function openPretrainingDataset(options: OpenPretrainingDatasetOptions): Promise<PretrainingDataset> {
  const dataset = await openIndexedDataset({ prefix: options.prefix });
  try {
    const sizes = dataset.index.sequenceLengths;
    const boundaries = splitDocuments({ split: options.split, size: sizes.length });
    const splitIndex = splitNames.indexOf(options.name);
    const start = boundaries[splitIndex] as number;
    const end = boundaries[splitIndex + 1] as number;
    if (start >= end)
      throw new IndexMapError(
        `${options.prefix}: split "${options.split}" leaves the ${options.name} split of ${sizes.length} documents empty; give it a larger weight`,
      );
    const maps = await loadIndexMaps({ ...options, sizes, documents: { start, end } });
    const { documentIndex, sampleIndex, shuffleIndex } = maps;
    const length = shuffleIndex.length;
    return {
      length,
      maps,
      async sample(index) {
        const shuffled = shuffleIndex[((index % length) + length) % length] as number;
        const first = sampleIndex[2 * shuffled] as number;
        const firstOffset = sampleIndex[2 * shuffled + 1] as number;
        const last = sampleIndex[2 * shuffled + 2] as number;
        const lastOffset = sampleIndex[2 * shuffled + 3] as number;
        const tokens = new Int32Array(options.sequenceLength + 1);
        let filled = 0;
        for (let position = first; position <= last; position += 1) {
          const sequence = await dataset.readSequence(documentIndex[position] as number);
          const from = position === first ? firstOffset : 0;
          const to = position === last ? lastOffset + 1 : sequence.length;
          tokens.set(sequence.subarray(from, to), filled);
          filled += to - from;
        }
        return tokens;
      },
      close: () => dataset.close(),
    };
  } catch (error) {
    await dataset.close();
    throw error;
  }
}
