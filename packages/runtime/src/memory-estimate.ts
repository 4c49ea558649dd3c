import { findWeightFiles, openCheckpoint } from '@aquila/formats';
import { checkpointFolder } from './checkpoint/checkpoint-folder.js';
import { type ModelShape, readModelConfig } from './checkpoint/model-config.js';
import type { WeightPrecision } from './converted-model-config.js';
import type { CachePrecision } from './generation/key-value-cache.js';
import { readConvertedModelConfig } from './language-model.js';

/** Node, onnxruntime's libraries and the session's own bookkeeping, measured at about 250–300 MiB. */
const processBaseline = 300 * 2 ** 20;

export interface ModelSizeOptions {
  shape: ModelShape;
  precision: WeightPrecision;
  /** int8/int4 block size; default 32. */
  blockSize?: number;
  /** int8/int4: the embedding block-quantised too (`GatherBlockQuantized`); default false. */
  quantizeEmbedding?: boolean;
}

export interface ConversionEstimateOptions extends ModelSizeOptions {
  /** Bytes per element of the checkpoint's tensors (2 for BF16/F16, 4 for F32); default 2. */
  sourceElementBytes?: number;
  /** Meta's model-parallel shards the checkpoint is split into (a read also holds one shard's slice); default 1. */
  modelParallelShards?: number;
}

export interface ConversionEstimate {
  /** The weights file the conversion writes. */
  outputBytes: number;
  /** The most memory the conversion holds at once (the process included). */
  peakBytes: number;
  /** What sets the peak. */
  largestStep: string;
}

export interface GenerationEstimateOptions extends ModelSizeOptions {
  /** Sequences decoded together; default 8 (`LanguageModel`'s default). */
  batchSize?: number;
  /** Positions each sequence may hold; default the model's context. */
  contextLength?: number;
  /** Default fp32. */
  cachePrecision?: CachePrecision;
  /** Prompt tokens per prefill step; default 128. */
  prefillChunkSize?: number;
}

export interface GenerationEstimate {
  /** The weights as onnxruntime holds them (fp16 matrices are widened to float32 on the CPU). */
  weightBytes: number;
  /** The KV cache of `batchSize` sequences of `contextLength` positions. */
  cacheBytes: number;
  /** The largest step's activations (attention scores, feed-forward rows, logits). */
  activationBytes: number;
  /** All of it, the process included. */
  totalBytes: number;
  batchSize: number;
  contextLength: number;
}

function quantizedBytes(rows: number, columns: number, bits: 4 | 8, blockSize: number): number {
  const blocks = rows * Math.ceil(columns / blockSize);
  return blocks * ((blockSize * bits) / 8) + blocks * 4;
}

/** The model's matrices as [rows, columns] (HF `[out, in]`), with how many of each. */
function matrices(shape: ModelShape): { rows: number; columns: number; count: number }[] {
  const { hiddenSize: hidden, headSize, intermediateSize: intermediate } = shape;
  const query = shape.headCount * headSize;
  const keyValue = shape.keyValueHeadCount * headSize;
  // q/k/v, attention output, gate/up, down (per layer), and the output head.
  return [
    { rows: query + 2 * keyValue, columns: hidden, count: shape.layerCount },
    { rows: hidden, columns: query, count: shape.layerCount },
    { rows: 2 * intermediate, columns: hidden, count: shape.layerCount },
    { rows: hidden, columns: intermediate, count: shape.layerCount },
    { rows: shape.vocabSize, columns: hidden, count: 1 },
  ];
}

interface StoredSizes {
  /** Bytes of a matrix in the weights file. */
  file: (rows: number, columns: number) => number;
  /** Bytes onnxruntime holds for it. */
  resident: (rows: number, columns: number) => number;
  embeddingFile: number;
  embeddingResident: number;
  /** Norms, biases and rotary tables: float32. */
  smallFloats: number;
}

function storedSizes(options: ModelSizeOptions): StoredSizes {
  const { shape, precision } = options;
  const blockSize = options.blockSize ?? 32;
  const { vocabSize, hiddenSize: hidden } = shape;
  const bits = precision === 'int8' ? 8 : 4;
  const file = (rows: number, columns: number): number =>
    precision === 'fp32'
      ? rows * columns * 4
      : precision === 'fp16'
        ? rows * columns * 2
        : quantizedBytes(rows, columns, bits, blockSize);
  const resident = (rows: number, columns: number): number =>
    precision === 'fp16' ? rows * columns * 4 : file(rows, columns);
  const quantizedEmbedding =
    (precision === 'int8' || precision === 'int4') && options.quantizeEmbedding === true && hidden % blockSize === 0;
  const embedding = quantizedEmbedding
    ? quantizedBytes(vocabSize, hidden, bits, blockSize)
    : vocabSize * hidden * (precision === 'fp16' ? 2 : 4);
  const query = shape.headCount * shape.headSize;
  const keyValue = shape.keyValueHeadCount * shape.headSize;
  const biases = shape.queryKeyValueBias ? query + 2 * keyValue : 0;
  const smallFloats = (shape.layerCount * (2 * hidden + biases) + hidden + shape.maxPositions * shape.headSize) * 4;
  return {
    file,
    resident,
    // A tied quantised embedding shares its bytes with the head in the file.
    embeddingFile: quantizedEmbedding && shape.tiedEmbeddings ? 0 : embedding,
    embeddingResident: embedding,
    smallFloats,
  };
}

/** The size of a converted model's weights file, from its shape alone. */
export function estimateWeightsFileBytes(options: ModelSizeOptions): number {
  const sizes = storedSizes(options);
  let bytes = sizes.embeddingFile + sizes.smallFloats;
  for (const matrix of matrices(options.shape)) bytes += matrix.count * sizes.file(matrix.rows, matrix.columns);
  return bytes;
}

/** The stored bytes @aquila/formats decodes at a time: a tensor's read holds its float32 values and one such chunk. */
const readChunkBytes = 16 * 2 ** 20;

/**
 * What a conversion will write and the most memory it will hold, from the shape alone: the converter holds
 * one tensor at a time, so the peak is the largest step (the embedding or head read and encoded, or the
 * gate and up matrices read, joined and encoded), not the model's size. Each step after the embedding also
 * counts the float32 tensors of the layer before it, which the garbage collector may not have freed yet
 * (measured: most of a 7B layer's were still held when the head was read), so the estimate is an upper bound.
 */
export function estimateConversion(options: ConversionEstimateOptions): ConversionEstimate {
  const { shape, precision } = options;
  const source = options.sourceElementBytes ?? 2;
  const sizes = storedSizes(options);
  // Float32 tensors are read straight into their values; other types are decoded a chunk at a time. A tensor
  // joined from model-parallel shards holds one shard's slice beside the whole.
  const shards = options.modelParallelShards ?? 1;
  const read = (elements: number): number =>
    elements * 4 +
    (shards > 1 ? (elements * 4) / shards : 0) +
    (source === 4 ? 0 : Math.min(elements * source, readChunkBytes));
  const { vocabSize, hiddenSize: hidden, intermediateSize: intermediate } = shape;
  const query = shape.headCount * shape.headSize;
  const keyValue = shape.keyValueHeadCount * shape.headSize;
  // A layer's tensors as float32, held together until the layer is done: q, k, v and the attention output,
  // FlagAI's q and k again (reordered for rotate-half RoPE), then gate, up and down.
  const attentionFloats = 4 * ((query + 2 * keyValue) * hidden + hidden * query + (query + keyValue) * hidden);
  const layerFloats = attentionFloats + 4 * 3 * intermediate * hidden;
  // fp32 transposes through a 4 MiB slab; fp16 encodes each slab; quantised matrices are built whole.
  const encoded = (rows: number, columns: number): number =>
    precision === 'fp32' || precision === 'fp16' ? 4 * 2 ** 20 : sizes.file(rows, columns);
  const steps: [string, number][] = [
    // A float32 embedding is written from the decoded tensor; fp16 and quantised ones are encoded first.
    [
      'embedding',
      read(vocabSize * hidden) + (sizes.embeddingResident === vocabSize * hidden * 4 ? 0 : sizes.embeddingResident),
    ],
    ['output head', layerFloats + read(vocabSize * hidden) + encoded(vocabSize, hidden)],
    [
      'gate/up',
      // The layer before; this layer's attention tensors and their join; gate and up, their join and its encoding.
      layerFloats +
        attentionFloats +
        4 * (query + 2 * keyValue) * hidden +
        2 * read(intermediate * hidden) +
        2 * intermediate * hidden * 4 +
        encoded(2 * intermediate, hidden),
    ],
  ];
  const [largestStep, largest] = steps.reduce((best, step) => (step[1] > best[1] ? step : best));
  return { outputBytes: estimateWeightsFileBytes(options), peakBytes: processBaseline + largest, largestStep };
}

/** The memory `LanguageModel` will hold to generate: weights, KV cache, the largest step's activations. */
export function estimateGeneration(options: GenerationEstimateOptions): GenerationEstimate {
  const { shape } = options;
  const batchSize = options.batchSize ?? 8;
  const contextLength = Math.min(options.contextLength ?? shape.maxPositions, shape.maxPositions);
  const chunk = Math.min(options.prefillChunkSize ?? 128, contextLength);
  const sizes = storedSizes(options);
  let weightBytes = sizes.embeddingResident + sizes.smallFloats;
  for (const matrix of matrices(shape)) weightBytes += matrix.count * sizes.resident(matrix.rows, matrix.columns);
  const cacheElementBytes = options.cachePrecision === 'fp16' ? 2 : 4;
  const cacheBytes =
    2 * shape.layerCount * batchSize * shape.keyValueHeadCount * shape.headSize * contextLength * cacheElementBytes;
  // Per step: one layer's attention scores and probabilities, gate/up rows and their product, and the logits.
  const activationBytes =
    batchSize *
    4 *
    (2 * shape.headCount * chunk * contextLength + 3 * chunk * shape.intermediateSize + 2 * shape.vocabSize);
  return {
    weightBytes,
    cacheBytes,
    activationBytes,
    totalBytes: processBaseline + weightBytes + cacheBytes + activationBytes,
    batchSize,
    contextLength,
  };
}

export interface EstimateCheckpointConversionOptions
  extends Omit<GenerationEstimateOptions, 'shape' | 'precision' | 'contextLength'> {
  /** The checkpoint folder, or one weight file or shard index in it (as `convertCheckpoint` takes). */
  checkpoint: string;
  /** Default fp32. */
  precision?: WeightPrecision;
  signal?: AbortSignal;
}

export interface CheckpointConversionEstimate {
  shape: ModelShape;
  conversion: ConversionEstimate;
  /** Generating from the converted model with `batchSize` sequences of the whole context. */
  generation: GenerationEstimate;
}

const elementBytes: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/**
 * What converting a checkpoint will write and hold, and what generating from the result will hold, before
 * anything is converted: from its config and the tensor headers (no weights are read).
 */
export async function estimateCheckpointConversion(
  options: EstimateCheckpointConversionOptions,
): Promise<CheckpointConversionEstimate> {
  const { shape } = await readModelConfig({ directory: await checkpointFolder(options.checkpoint) });
  const checkpoint = await openCheckpoint({ path: options.checkpoint, signal: options.signal });
  let largest = { elements: 0, bytes: 2 };
  try {
    for (const tensor of checkpoint.tensors) {
      const elements = tensor.shape.reduce((product, size) => product * size, 1);
      if (elements > largest.elements) largest = { elements, bytes: elementBytes[tensor.dtype] ?? 4 };
    }
  } finally {
    await checkpoint.close();
  }
  const { files, modelParallel } = await findWeightFiles({ path: options.checkpoint });
  const sizes = { ...options, shape, precision: options.precision ?? 'fp32' };
  return {
    shape,
    conversion: estimateConversion({
      ...sizes,
      sourceElementBytes: largest.bytes,
      modelParallelShards: modelParallel ? files.length : 1,
    }),
    generation: estimateGeneration(sizes),
  };
}

export interface EstimateModelMemoryOptions extends Omit<GenerationEstimateOptions, 'shape' | 'precision'> {
  /** A folder written by `convertCheckpoint`. */
  path: string;
}

/** What `LanguageModel.load` of a converted folder and generating from it will hold, read from its `aquila-config.json`. */
export async function estimateModelMemory(options: EstimateModelMemoryOptions): Promise<GenerationEstimate> {
  const config = await readConvertedModelConfig(options.path);
  return estimateGeneration({
    ...options,
    shape: config.shape,
    precision: config.precision,
    blockSize: config.blockSize,
    quantizeEmbedding: config.quantizedEmbedding === true,
    cachePrecision: options.cachePrecision ?? config.cachePrecision,
  });
}
