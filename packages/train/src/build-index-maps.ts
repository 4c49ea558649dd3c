import { IndexMapError } from './errors.js';
import { RandomState } from './random-state.js';

/** Options of `buildIndexMaps`, named after Megatron's `_build_index_mappings` arguments. */
export interface BuildIndexMapsOptions {
  /** Tokens of every sequence of the indexed dataset (its `.idx` sizes). */
  sizes: ArrayLike<number>;
  /** The documents of this split: sequence indices `[start, end)` into `sizes`. */
  documents: { start: number; end: number };
  /** Samples asked for; epochs are repeated until at least this many exist. */
  numSamples: number;
  /** Tokens per sample minus one (each sample holds `sequenceLength + 1` tokens). */
  sequenceLength: number;
  /** `np.random.RandomState` seed. */
  seed: number;
}

/** Megatron's three index maps of one split, plus how they were derived. */
export interface IndexMaps {
  /** Document ids, epoch after epoch, shuffled (`doc_idx`, int32). */
  documentIndex: Int32Array;
  /** Row-major `[samples + 1, 2]` pairs (position in `documentIndex`, token offset) (`sample_idx`, int32). */
  sampleIndex: Int32Array;
  /** Sample order (`shuffle_idx`, uint32). */
  shuffleIndex: Uint32Array;
  /** Epochs over the split's documents. */
  numEpochs: number;
  /** Whether the last epoch was shuffled on its own (it yields under 80 % of an epoch's samples). */
  separateLastEpoch: boolean;
}

function buildDocumentIndex(
  start: number,
  end: number,
  numEpochs: number,
  random: RandomState,
  separateLastEpoch: boolean,
): Int32Array {
  if (separateLastEpoch && numEpochs > 1) {
    const first = buildDocumentIndex(start, end, numEpochs - 1, random, false);
    const last = buildDocumentIndex(start, end, 1, random, false);
    const joined = new Int32Array(first.length + last.length);
    joined.set(first);
    joined.set(last, first.length);
    return joined;
  }
  const count = end - start;
  const documentIndex = new Int32Array(count * numEpochs);
  for (let epoch = 0; epoch < numEpochs; epoch += 1) {
    for (let document = 0; document < count; document += 1) documentIndex[epoch * count + document] = start + document;
  }
  return random.shuffle(documentIndex);
}

// helpers.cpp build_sample_idx: consecutive samples share one boundary token.
function buildSampleIndex(
  sizes: ArrayLike<number>,
  documentIndex: Int32Array,
  sequenceLength: number,
  sampleCount: number,
): Int32Array {
  const sampleIndex = new Int32Array(2 * (sampleCount + 1));
  let position = 0;
  let offset = 0;
  for (let sample = 1; sample <= sampleCount; sample += 1) {
    let remaining = sequenceLength + 1;
    while (remaining !== 0) {
      const documentLength = (sizes[documentIndex[position] as number] as number) - offset;
      remaining -= documentLength;
      if (remaining <= 0) {
        offset += remaining + documentLength - 1;
        remaining = 0;
      } else {
        position += 1;
        offset = 0;
      }
    }
    sampleIndex[2 * sample] = position;
    sampleIndex[2 * sample + 1] = offset;
  }
  return sampleIndex;
}

function buildShuffleIndex(count: number, total: number, random: RandomState): Uint32Array {
  const shuffleIndex = new Uint32Array(total);
  for (let index = 0; index < total; index += 1) shuffleIndex[index] = index;
  random.shuffle(shuffleIndex.subarray(0, count));
  if (count !== total) random.shuffle(shuffleIndex.subarray(count));
  return shuffleIndex;
}

/**
 * Megatron GPTDataset's `_build_index_mappings` (the legacy version FlagAI and FlagScale's Aquila
 * path use): the same epochs, document shuffle, sample boundaries and sample shuffle, so its cached
 * `.npy` files come out byte for byte.
 */
export function buildIndexMaps(options: BuildIndexMapsOptions): IndexMaps {
  const { sizes, documents, numSamples, sequenceLength, seed } = options;
  const { start, end } = documents;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > sizes.length || start >= end) {
    throw new IndexMapError(
      `documents [${start}, ${end}) is not a non-empty range of the dataset's ${sizes.length} sequences; check the split`,
    );
  }
  if (!Number.isInteger(sequenceLength) || sequenceLength < 1)
    throw new IndexMapError(`sequenceLength must be a positive integer, got ${sequenceLength}`);
  if (!Number.isInteger(numSamples) || numSamples < 1)
    throw new IndexMapError(`numSamples must be a positive integer, got ${numSamples}`);
  let tokensPerEpoch = 0;
  for (let document = start; document < end; document += 1) {
    const size = sizes[document] as number;
    if (!Number.isInteger(size) || size < 0)
      throw new IndexMapError(`sequence ${document} has size ${size}; sizes must be non-negative integers`);
    tokensPerEpoch += size;
  }
  if (tokensPerEpoch <= 1)
    throw new IndexMapError(`documents [${start}, ${end}) hold ${tokensPerEpoch} tokens; a sample needs at least 2`);
  let numEpochs = 1;
  while (Math.floor((numEpochs * tokensPerEpoch - 1) / sequenceLength) < numSamples) numEpochs += 1;

  let separateLastEpoch = false;
  let samplesBeforeLastEpoch = 0;
  if (numEpochs > 1) {
    samplesBeforeLastEpoch = Math.floor(((numEpochs - 1) * tokensPerEpoch - 1) / sequenceLength);
    const lastEpochSamples = numSamples - samplesBeforeLastEpoch;
    const samplesPerEpoch = Math.floor((tokensPerEpoch - 1) / sequenceLength);
    separateLastEpoch = lastEpochSamples < Math.trunc(0.8 * samplesPerEpoch);
  }
  const random = new RandomState(seed);
  const documentIndex = buildDocumentIndex(start, end, numEpochs, random, separateLastEpoch);
  const sampleCount = Math.floor((numEpochs * tokensPerEpoch - 1) / sequenceLength);
  const sampleIndex = buildSampleIndex(sizes, documentIndex, sequenceLength, sampleCount);
  const shuffleIndex = buildShuffleIndex(separateLastEpoch ? samplesBeforeLastEpoch : sampleCount, sampleCount, random);
  return { documentIndex, sampleIndex, shuffleIndex, numEpochs, separateLastEpoch };
}
