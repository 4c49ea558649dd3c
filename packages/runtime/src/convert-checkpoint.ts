import { copyFile, type FileHandle, open, readdir, realpath, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import {
  type AtomicFile,
  createAtomicFile,
  OutputIsInputError,
  outputFolderMarker,
  prepareOutputFolder,
} from '@aquila/files';
import { type Checkpoint, CheckpointTensorError, encodeWeights, openCheckpoint } from '@aquila/formats';
import { checkpointFolder } from './checkpoint/checkpoint-folder.js';
import { readGenerationConfig } from './checkpoint/generation-config.js';
import { type ModelShape, readModelConfig } from './checkpoint/model-config.js';
import { checkTokenizerVocabulary } from './checkpoint/tokenizer-vocabulary.js';
import {
  biasedLayerWeights,
  interleavedToHalfRotation,
  type LayerWeight,
  layerBiasLocation,
  layerWeightLocation,
  layerWeights,
  layerWeightValues,
  modelWeightName,
  usesInterleavedRotary,
  type WeightNaming,
  weightNamings,
} from './checkpoint/weight-names.js';
import {
  type ConvertedModelConfig,
  convertedModelVersion,
  type GenerationDefaults,
  type WeightPrecision,
} from './converted-model-config.js';
import { GenerationOptionsError, UnsupportedModelError } from './errors.js';
import type { CachePrecision } from './generation/key-value-cache.js';
import { concatenate } from './internal/concatenate.js';
import {
  buildDecoderGraph,
  type CacheLayout,
  type DecoderWeights,
  type ProjectionWeights,
} from './onnx/decoder-graph.js';
import { encodeOnnxModel, type OnnxTensorData } from './onnx/onnx-model.js';
import { quantizeBlockwise } from './onnx/quantize-blockwise.js';
import { rotaryTables } from './onnx/rotary-tables.js';

/** Tokenizer files copied into the converted folder when the checkpoint has them. */
const tokenizerFileNames = [
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.json',
  'merges.txt',
  'special_tokens_map.json',
  'added_tokens.json',
  // Megatron/FlagAI folders (vocab.json + merges.txt) append their special tokens from it: Aquila's
  // [CLS]/</s> are 100006/100007 only with it.
  'special_tokens.txt',
  // The chat template of newer checkpoints, beside tokenizer_config.json (LanguageModel's chatTemplate).
  'chat_template.jinja',
];

export interface ConvertProgress {
  /** Tensors of the converted model written so far. */
  done: number;
  total: number;
}

export interface ConvertCheckpointOptions {
  /**
   * The checkpoint folder (config.json or params.json, weights, tokenizer files), or one weight file or shard
   * index in it (`findWeightFiles` of @aquila/formats picks a folder's weight files).
   */
  checkpoint: string;
  /**
   * The folder to write (created): model.onnx, model.onnx.data, aquila-config.json, tokenizer files. It must
   * be missing, empty, or an earlier conversion's (marked by @aquila/files; it is emptied first), and must
   * not be the checkpoint folder or a folder above it.
   */
  output: string;
  /** Empty an output folder that holds other files too (never the working folder, one above it, or home). */
  force?: boolean;
  /** Weight precision; default fp32. fp16 halves the file (onnxruntime's CPU provider widens it to float32 at load). */
  precision?: WeightPrecision;
  /**
   * int8/int4: block-quantise the token embedding too (`GatherBlockQuantized`), in the layout of the output
   * head, whose bytes a tied model shares; default false (float32). Where the hidden size is not a multiple
   * of `blockSize` the embedding stays float32.
   */
  quantizeEmbedding?: boolean;
  /** MatMulNBits block size for int8/int4 (a power of two ≥ 16); default 32. */
  blockSize?: number;
  /** MatMulNBits accuracy level: 4 (default) computes with int8 activations, 0 in float32 (exact to the dequantised weights). */
  accuracyLevel?: number;
  /**
   * `caller-owned` (default): the graph `LanguageModel` runs. `present-outputs`: the onnxruntime-genai /
   * transformers.js input and output names, for running the same weights elsewhere.
   */
  cacheLayout?: CacheLayout;
  /**
   * The KV cache's precision (`caller-owned` graphs): fp32 (default), or fp16, which halves the cache (1 GiB
   * instead of 2 per full-context Aquila-7B sequence) for a slower attention step (the graph widens the
   * cache it reads; see the README's measurements).
   */
  cachePrecision?: CachePrecision;
  /** The external weights file name; default `model.onnx.data` (transformers.js expects `model.onnx_data`). */
  weightsFile?: string;
  /** Overrides of the generation defaults written to aquila-config.json. */
  generation?: Partial<GenerationDefaults>;
  onProgress?: (progress: ConvertProgress) => void;
  /** Told what converts but deserves a look (an embedding with padding rows past the tokenizer's ids). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** Appends tensors to the external data file, 64-byte aligned; memory holds one tensor at a time. */
class ExternalDataWriter {
  private offset = 0;
  constructor(
    private readonly handle: FileHandle,
    private readonly location: string,
  ) {}

  async append(bytes: Uint8Array): Promise<OnnxTensorData> {
    const padding = (64 - (this.offset % 64)) % 64;
    if (padding > 0) await this.handle.write(new Uint8Array(padding), 0, padding, this.offset);
    this.offset += padding;
    const data = { location: this.location, offset: this.offset, length: bytes.length };
    await this.handle.write(bytes, 0, bytes.length, this.offset);
    this.offset += bytes.length;
    return data;
  }

  appendFloats(values: Float32Array): Promise<OnnxTensorData> {
    return this.append(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  /** Appends the transpose `[columns, rows]` of a row-major matrix, in slabs, so no second full copy is held; as float16 when `half`. */
  async appendTransposed(values: Float32Array, rows: number, columns: number, half = false): Promise<OnnxTensorData> {
    const slabRows = Math.max(1, Math.floor((4 * 1024 * 1024) / rows));
    const slab = new Float32Array(slabRows * rows);
    let first: OnnxTensorData | undefined;
    for (let start = 0; start < columns; start += slabRows) {
      const count = Math.min(slabRows, columns - start);
      for (let column = 0; column < count; column++) {
        for (let row = 0; row < rows; row++)
          slab[column * rows + row] = values[row * columns + start + column] as number;
      }
      const bytes = half
        ? encodeWeights(slab.subarray(0, count * rows), 'F16')
        : new Uint8Array(slab.buffer, 0, count * rows * 4);
      // The first slab is aligned like any tensor; the rest follow it directly.
      const written = first === undefined ? await this.append(bytes) : await this.appendContiguous(bytes);
      first ??= written;
    }
    return { ...(first as { location: string; offset: number }), length: rows * columns * (half ? 2 : 4) };
  }

  private async appendContiguous(bytes: Uint8Array): Promise<OnnxTensorData> {
    await this.handle.write(bytes, 0, bytes.length, this.offset);
    const data = { location: this.location, offset: this.offset, length: bytes.length };
    this.offset += bytes.length;
    return data;
  }
}

const namingLabels: Readonly<Record<WeightNaming, string>> = { hf: 'HF', flagai: 'FlagAI', flash: 'FlagAI flash-attn' };

function detectNaming(checkpoint: Checkpoint, path: string): WeightNaming {
  const naming = weightNamings.find((candidate) => checkpoint.get(modelWeightName(candidate, 'embedding')));
  if (naming) return naming;
  const sample = checkpoint.tensors
    .slice(0, 5)
    .map((tensor) => tensor.name)
    .join(', ');
  const expected = weightNamings
    .map((candidate) => `"${modelWeightName(candidate, 'embedding')}" (${namingLabels[candidate]})`)
    .join(', ');
  throw new CheckpointTensorError(
    `${path}: none of ${expected} is in the checkpoint (it has ${sample}…), so it is no LLaMA-family checkpoint this converter knows.`,
  );
}

/**
 * Converts a LLaMA-family checkpoint (HF, FlagAI or FlagAI flash-attn names, detected from the tensors;
 * safetensors or PyTorch zip) to a
 * self-contained ONNX folder, tensor by tensor (peak memory ≈ the largest tensor as float32, about twice
 * its size while it is read), with
 * the weights in an external data file so that models over 2 GB load. The output folder is touched only
 * once every tensor has been checked, and its files appear only when all are complete.
 */
export async function convertCheckpoint(options: ConvertCheckpointOptions): Promise<ConvertedModelConfig> {
  const { signal } = options;
  const precision = options.precision ?? 'fp32';
  const blockSize = options.blockSize ?? 32;
  const quantizeEmbedding = options.quantizeEmbedding === true && (precision === 'int8' || precision === 'int4');
  const cachePrecision = options.cachePrecision ?? 'fp32';
  if (!['fp32', 'fp16'].includes(cachePrecision))
    throw new GenerationOptionsError(`cachePrecision must be fp32 or fp16, got ${JSON.stringify(cachePrecision)}.`);
  if (cachePrecision === 'fp16' && options.cacheLayout === 'present-outputs')
    throw new GenerationOptionsError(
      'cachePrecision fp16 is for the caller-owned cache LanguageModel runs; present-outputs graphs keep a float32 cache.',
    );
  const weightsFile = options.weightsFile ?? 'model.onnx.data';
  if (!['fp32', 'fp16', 'int8', 'int4'].includes(precision))
    throw new GenerationOptionsError(`precision must be fp32, fp16, int8 or int4, got ${JSON.stringify(precision)}.`);
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0)
    throw new GenerationOptionsError(`blockSize must be a power of two ≥ 16, got ${blockSize}.`);
  if (
    basename(weightsFile) !== weightsFile ||
    ['model.onnx', 'aquila-config.json', outputFolderMarker, ...tokenizerFileNames].includes(weightsFile)
  ) {
    throw new GenerationOptionsError(
      `weightsFile must be a plain file name other than model.onnx, aquila-config.json and the tokenizer files, got ${JSON.stringify(weightsFile)}.`,
    );
  }
  await refuseOutputHoldingCheckpoint(options.checkpoint, options.output);
  const folder = await checkpointFolder(options.checkpoint);
  const config = await readModelConfig({ directory: folder });
  await checkTokenizerVocabulary({
    directory: folder,
    embeddingRows: config.shape.vocabSize,
    onWarning: options.onWarning,
  });
  const generationConfig = await readGenerationConfig({ directory: folder });
  const { shape } = config;
  const checkpoint = await openCheckpoint({ path: options.checkpoint, signal });
  // Files under temporary names in the output folder, renamed into place together once all are written.
  const pending: AtomicFile[] = [];
  const stage = (name: string): AtomicFile => {
    const file = createAtomicFile({ path: join(options.output, name) });
    pending.push(file);
    return file;
  };
  try {
    const naming = detectNaming(checkpoint, options.checkpoint);
    const headName = modelWeightName(naming, 'languageModelHead');
    const tied = shape.tiedEmbeddings || !checkpoint.get(headName);
    if (!shape.tiedEmbeddings && tied)
      throw new CheckpointTensorError(
        `${options.checkpoint}: tensor "${headName}" is missing and ${config.source} does not tie the embeddings.`,
      );
    const finalShape: ModelShape = { ...shape, tiedEmbeddings: tied };
    const { hiddenSize: hidden, headSize } = shape;
    // GatherBlockQuantized reads whole blocks of a row; a hidden size that needs padding keeps a float embedding.
    const quantizedEmbedding = quantizeEmbedding && hidden % blockSize === 0;
    const embeddingName = modelWeightName(naming, 'embedding');
    const finalNormName = modelWeightName(naming, 'finalNorm');

    /** The tensor's description, checked against the shape the config implies. */
    const expectTensor = (name: string, expected: readonly number[]): void => {
      const info = checkpoint.get(name);
      if (!info)
        throw new CheckpointTensorError(`${options.checkpoint}: tensor "${name}" is missing from the checkpoint.`);
      if (info.shape.length !== expected.length || info.shape.some((size, axis) => size !== expected[axis])) {
        throw new CheckpointTensorError(
          `${info.file}: tensor "${name}" has shape [${info.shape.join(', ')}], but ${config.source} implies [${expected.join(', ')}].`,
        );
      }
    };
    // Every tensor is checked before the output folder is touched: a bad checkpoint leaves it as it was.
    expectTensor(embeddingName, [shape.vocabSize, hidden]);
    for (let layer = 0; layer < shape.layerCount; layer++) {
      for (const weight of layerWeights) {
        const location = layerWeightLocation(naming, shape, layer, weight);
        expectTensor(location.name, location.tensorShape);
      }
    }
    for (let layer = 0; layer < shape.layerCount; layer++) {
      for (const weight of biasedLayerWeights) {
        const location = layerBiasLocation(naming, shape, layer, weight);
        if (shape.queryKeyValueBias) expectTensor(location.name, location.tensorShape);
        else if (checkpoint.get(location.name))
          // transformers would drop them unread; a model converted without them is not the one trained.
          throw new UnsupportedModelError(
            'model_type',
            `${options.checkpoint}: tensor "${location.name}" is a projection bias, but ${config.source} has model_type "${config.modelType}", whose layers have none; a qwen2 config would add them.`,
          );
      }
    }
    expectTensor(finalNormName, [hidden]);
    if (!tied) expectTensor(headName, [shape.vocabSize, hidden]);
    const read = (name: string): Promise<Float32Array> => checkpoint.read(name, { signal });

    await prepareOutputFolder({ directory: options.output, owner: 'aquila convert', force: options.force });
    const weightsData = stage(weightsFile);
    const handle = await open(weightsData.temporaryPath, 'w');
    const total = 4 + shape.layerCount * 6 + 1;
    let done = 0;
    const step = (): void => {
      done += 1;
      options.onProgress?.({ done, total });
    };
    let weights: DecoderWeights;
    try {
      const data = new ExternalDataWriter(handle, weightsFile);
      const projection = async (rowsMajor: Float32Array, rows: number, columns: number): Promise<ProjectionWeights> => {
        signal?.throwIfAborted();
        if (precision === 'fp32') return { kind: 'float', data: await data.appendTransposed(rowsMajor, rows, columns) };
        if (precision === 'fp16')
          return { kind: 'half', data: await data.appendTransposed(rowsMajor, rows, columns, true) };
        const bits = precision === 'int8' ? 8 : 4;
        const quantized = quantizeBlockwise({ weights: rowsMajor, rows, columns, bits, blockSize });
        return {
          kind: 'quantized',
          bits,
          packed: await data.append(quantized.packed),
          scales: await data.appendFloats(quantized.scales),
        };
      };
      // A quantised embedding is stored like the head's matrix (rows [vocab, hidden], blocks along hidden). The
      // values live only in this function's frame: a variable of the conversion's would hold 1.6 GB (7B) to the end.
      const storeEmbedding = async (values: Float32Array): Promise<ProjectionWeights> =>
        quantizedEmbedding
          ? projection(values, shape.vocabSize, hidden)
          : precision === 'fp16'
            ? { kind: 'half', data: await data.append(encodeWeights(values, 'F16')) }
            : { kind: 'float', data: await data.appendFloats(values) };
      const embedding = await storeEmbedding(await read(embeddingName));
      step();
      const tables = rotaryTables(shape);
      const rotaryCos = await data.appendFloats(tables.cos);
      const rotarySin = await data.appendFloats(tables.sin);
      step();
      const layers: DecoderWeights['layers'] = [];
      /** [q; k; v] biases, q and k in the rotate-half order like their rows. */
      const queryKeyValueBiases = async (layer: number): Promise<Float32Array> => {
        const biases: Float32Array[] = [];
        for (const weight of biasedLayerWeights) {
          const location = layerBiasLocation(naming, shape, layer, weight);
          const bias = layerWeightValues(location, await read(location.name));
          const heads = weight === 'query' ? shape.headCount : shape.keyValueHeadCount;
          biases.push(
            weight !== 'value' && usesInterleavedRotary(naming)
              ? interleavedToHalfRotation(bias, heads, headSize)
              : bias,
          );
        }
        return concatenate(biases);
      };
      for (let layer = 0; layer < shape.layerCount; layer++) {
        const queryWidth = shape.headCount * headSize;
        const keyWidth = shape.keyValueHeadCount * headSize;
        // A packed tensor (flash-attn's Wqkv, fc1) is read once for all the weights it holds.
        const layerTensors = new Map<string, Float32Array>();
        const layerWeight = async (weight: LayerWeight): Promise<Float32Array> => {
          const location = layerWeightLocation(naming, shape, layer, weight);
          let tensor = layerTensors.get(location.name);
          if (!tensor) {
            tensor = await read(location.name);
            layerTensors.set(location.name, tensor);
          }
          return layerWeightValues(location, tensor);
        };
        let query = await layerWeight('query');
        let key = await layerWeight('key');
        if (usesInterleavedRotary(naming)) {
          query = interleavedToHalfRotation(query, shape.headCount, headSize);
          key = interleavedToHalfRotation(key, shape.keyValueHeadCount, headSize);
        }
        const value = await layerWeight('value');
        const queryKeyValueBias = shape.queryKeyValueBias
          ? await data.appendFloats(await queryKeyValueBiases(layer))
          : undefined;
        const attentionNorm = await data.appendFloats(await layerWeight('attentionNorm'));
        step();
        const queryKeyValue = await projection(concatenate([query, key, value]), queryWidth + 2 * keyWidth, hidden);
        step();
        const attentionOutput = await projection(await layerWeight('attentionOutput'), hidden, queryWidth);
        step();
        const feedForwardNorm = await data.appendFloats(await layerWeight('feedForwardNorm'));
        step();
        const gateUp = await projection(
          concatenate([await layerWeight('gate'), await layerWeight('up')]),
          2 * shape.intermediateSize,
          hidden,
        );
        step();
        const down = await projection(await layerWeight('down'), hidden, shape.intermediateSize);
        step();
        layers.push({
          attentionNorm,
          queryKeyValue,
          ...(queryKeyValueBias ? { queryKeyValueBias } : {}),
          attentionOutput,
          feedForwardNorm,
          gateUp,
          down,
        });
      }
      const finalNorm = await data.appendFloats(await read(finalNormName));
      step();
      // Tied: the quantised embedding is the head's matrix; a float one is read again rather than held throughout.
      const languageModelHead =
        tied && quantizedEmbedding
          ? embedding
          : await projection(await read(tied ? embeddingName : headName), shape.vocabSize, hidden);
      step();
      weights = { embedding, rotaryCos, rotarySin, layers, finalNorm, languageModelHead };
    } finally {
      await handle.close();
    }
    const accuracyLevel = options.accuracyLevel ?? 4;
    const cacheLayout = options.cacheLayout ?? 'caller-owned';
    const graph = buildDecoderGraph({
      shape: finalShape,
      precision,
      blockSize,
      accuracyLevel,
      weights,
      cacheLayout,
      cachePrecision,
    });
    await writeFile(stage('model.onnx').temporaryPath, encodeOnnxModel(graph), { signal });
    step();

    const present = new Set(await readdir(folder));
    const tokenizerFiles = tokenizerFileNames.filter((name) => present.has(name));
    for (const name of tokenizerFiles) await copyFile(join(folder, name), stage(name).temporaryPath);
    // generation_config.json's eos ids replace config.json's for generation, as in transformers; all of them stop it.
    const stopTokenIds = generationConfig?.eosTokenIds ?? config.eosTokenIds;
    const converted: ConvertedModelConfig = {
      format: 'aquila-onnx-decoder',
      version: convertedModelVersion({ shape: finalShape, cachePrecision }),
      shape: finalShape,
      precision,
      ...(precision === 'fp32' || precision === 'fp16' ? {} : { blockSize }),
      ...(quantizedEmbedding ? { quantizedEmbedding } : {}),
      ...(cachePrecision === 'fp16' ? { cachePrecision } : {}),
      model: 'model.onnx',
      weights: weightsFile,
      cacheLayout,
      tokenizerFiles,
      bosTokenId: config.bosTokenId,
      eosTokenId: config.eosTokenId,
      padTokenId: config.padTokenId,
      generation: {
        maxNewTokens: 256,
        temperature: 0,
        topK: 0,
        topP: 1,
        repetitionPenalty: 1,
        stopTokenIds,
        stopStrings: [],
        ...generationConfig?.defaults,
        ...options.generation,
      },
      source: { checkpoint: resolve(options.checkpoint), naming, modelType: config.modelType },
    };
    // aquila-config.json is staged last and renamed last: a folder with it holds a whole model.
    await writeFile(stage('aquila-config.json').temporaryPath, `${JSON.stringify(converted, null, 2)}\n`, { signal });
    signal?.throwIfAborted();
    while (pending.length > 0) {
      await pending[0]?.commit();
      pending.shift();
    }
    return converted;
  } catch (error) {
    await Promise.all(pending.map((file) => file.abort()));
    throw error;
  } finally {
    await checkpoint.close();
  }
}

/** The real path of `path` (links resolved), also when it does not exist yet: its nearest existing folder's, joined with the rest. */
async function realLocation(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(await realLocation(parent), basename(absolute));
  }
}

/** Refuses, before anything is read or written, an output folder that is the checkpoint folder or lies above it: preparing it would empty the checkpoint. */
async function refuseOutputHoldingCheckpoint(checkpoint: string, output: string): Promise<void> {
  const [checkpointPath, outputPath] = await Promise.all([realLocation(checkpoint), realLocation(output)]);
  const outputFolder = outputPath.endsWith(sep) ? outputPath : `${outputPath}${sep}`;
  if (checkpointPath === outputPath || checkpointPath.startsWith(outputFolder)) {
    throw new OutputIsInputError(
      `the output folder ${output} ${checkpointPath === outputPath ? 'is the checkpoint folder' : `holds the checkpoint folder ${checkpoint}`}: converting into it would empty it and lose the checkpoint; choose another output folder.`,
    );
  }
}
