import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeWeights,
  encodeWeights,
  type TensorToWrite,
  type WeightDtype,
  writeSafetensors,
  writeTorchCheckpoint,
} from '@aquila/formats';
import { ModelConfigError } from '../errors.js';
import { concatenate } from '../internal/concatenate.js';
import { createRandom } from '../internal/random.js';
import type { RopeScaling } from './config-support.js';
import type { ModelShape } from './model-config.js';
import {
  biasedLayerWeights,
  halfToInterleavedRotation,
  type LayerWeight,
  layerBiasLocation,
  layerWeightLocation,
  layerWeightShape,
  layerWeights,
  modelWeightName,
  packedLayerWeights,
  usesInterleavedRotary,
  type WeightNaming,
} from './weight-names.js';

/** A `RopeScaling` as HF configs write it: old-style `type` for linear and dynamic (DeepSeek-Coder's), `rope_type` for llama3 (Llama 3.2's). */
function huggingFaceRopeScaling(scaling: RopeScaling | undefined): Record<string, unknown> | null {
  if (!scaling) return null;
  if (scaling.type !== 'llama3') return { type: scaling.type, factor: scaling.factor };
  return {
    rope_type: 'llama3',
    factor: scaling.factor,
    low_freq_factor: scaling.lowFrequencyFactor,
    high_freq_factor: scaling.highFrequencyFactor,
    original_max_position_embeddings: scaling.originalMaxPositions,
  };
}

export interface WriteRandomCheckpointOptions {
  /** The folder to create the checkpoint in. */
  directory: string;
  shape: ModelShape;
  /**
   * HF names with `config.json`; FlagAI/Meta names (interleaved RoPE) with `params.json`; or FlagAI's
   * flash-attn trainer layout (packed `Wqkv` and `fc1`, interleaved RoPE) with `params.json`.
   */
  naming: WeightNaming;
  /**
   * `safetensors` (one file), `sharded-safetensors` (one shard per layer plus an index), `bin` (a torch zip), or
   * `consolidated` (Meta's `consolidated.NN.pth` torch zips, with `rope.freqs`; `flagai` naming).
   */
  format: 'safetensors' | 'sharded-safetensors' | 'bin' | 'consolidated';
  /**
   * `consolidated`: how many model-parallel shards to write, each tensor split as Meta's fairscale layers hold it
   * (default 1). The head counts, FFN width, hidden size and vocabulary must divide by it.
   */
  modelParallel?: number;
  /** The stored element type; the returned values are what that type holds. Default F32. */
  dtype?: WeightDtype;
  seed?: number;
}

/**
 * Writes a checkpoint with random weights (unit-variance activations, so logits are well separated)
 * for tests and benchmarks, with its config file: HF `config.json` of model type `qwen2` for a shape with
 * `queryKeyValueBias` (biases written), `mistral` for one with `slidingWindow`, else `llama`, with the
 * shape's `rope_scaling`. The same seed and shape give the same model in every
 * naming (only the layout differs). Returns the stored values by checkpoint name.
 */
export async function writeRandomCheckpoint(options: WriteRandomCheckpointOptions): Promise<Map<string, Float32Array>> {
  const { shape, naming, directory } = options;
  const dtype = options.dtype ?? 'F32';
  const random = createRandom(options.seed ?? 1);
  const tensors: TensorToWrite[] = [];
  const shards: string[][] = [[]];
  /** The axis Meta's model-parallel code splits each tensor on (column-parallel: rows; row-parallel: columns). */
  const splitAxes = new Map<string, 0 | 1 | 'whole'>();
  const draw = (tensorShape: readonly number[], scale: number, center = 0): Float32Array => {
    const values = new Float32Array(tensorShape.reduce((product, size) => product * size, 1));
    for (let index = 0; index < values.length; index++) values[index] = center + (random() * 2 - 1) * scale;
    return values;
  };
  const add = (name: string, tensorShape: number[], values: Float32Array, splitAxis: 0 | 1 | 'whole'): void => {
    tensors.push({ name, dtype, shape: tensorShape, values: decodeWeights(encodeWeights(values, dtype), dtype) });
    shards.at(-1)?.push(name);
    splitAxes.set(name, splitAxis);
  };
  const layerSplitAxes: Record<LayerWeight, 0 | 1 | 'whole'> = {
    attentionNorm: 'whole',
    query: 0,
    key: 0,
    value: 0,
    attentionOutput: 1,
    feedForwardNorm: 'whole',
    gate: 0,
    up: 0,
    down: 1,
  };
  const { hiddenSize: hidden, intermediateSize: intermediate, headSize, vocabSize } = shape;
  const unit = (fanIn: number): number => Math.sqrt(3 / fanIn);
  const scales: Record<LayerWeight, [number, number?]> = {
    attentionNorm: [0.2, 1],
    query: [unit(hidden)],
    key: [unit(hidden)],
    value: [unit(hidden)],
    attentionOutput: [unit(shape.headCount * headSize)],
    feedForwardNorm: [0.2, 1],
    gate: [unit(hidden)],
    up: [unit(hidden)],
    down: [unit(intermediate)],
  };
  // Llama 2's ParallelEmbedding splits the embedding by columns.
  add(modelWeightName(naming, 'embedding'), [vocabSize, hidden], draw([vocabSize, hidden], Math.sqrt(3)), 1);
  for (let layer = 0; layer < shape.layerCount; layer++) {
    shards.push([]);
    // The same seed draws the same model in every naming: values are drawn in HF's layout, then laid out.
    const drawn = new Map<LayerWeight, Float32Array>();
    for (const weight of layerWeights) drawn.set(weight, draw(layerWeightShape(shape, weight), ...scales[weight]));
    if (usesInterleavedRotary(naming)) {
      drawn.set('query', halfToInterleavedRotation(drawn.get('query') as Float32Array, shape.headCount, headSize));
      drawn.set('key', halfToInterleavedRotation(drawn.get('key') as Float32Array, shape.keyValueHeadCount, headSize));
    }
    const written = new Set<string>();
    for (const weight of layerWeights) {
      const location = layerWeightLocation(naming, shape, layer, weight);
      if (written.has(location.name)) continue;
      written.add(location.name);
      add(
        location.name,
        location.tensorShape,
        concatenate(packedLayerWeights(naming, weight).map((member) => drawn.get(member) as Float32Array)),
        layerSplitAxes[weight],
      );
    }
    if (shape.queryKeyValueBias) {
      // Biases twice the projections' outputs, so that a model without them gives other greedy tokens.
      for (const weight of biasedLayerWeights) {
        const location = layerBiasLocation(naming, shape, layer, weight);
        const heads = weight === 'query' ? shape.headCount : shape.keyValueHeadCount;
        const bias = draw([location.rows], 2);
        add(
          location.name,
          location.tensorShape,
          weight === 'value' || !usesInterleavedRotary(naming)
            ? bias
            : halfToInterleavedRotation(bias, heads, headSize),
          0,
        );
      }
    }
  }
  add(modelWeightName(naming, 'finalNorm'), [hidden], draw([hidden], 0.2, 1), 'whole');
  if (!shape.tiedEmbeddings)
    add(modelWeightName(naming, 'languageModelHead'), [vocabSize, hidden], draw([vocabSize, hidden], unit(hidden)), 0);
  if (options.format === 'consolidated') {
    if (naming !== 'flagai')
      throw new ModelConfigError(
        `consolidated.NN.pth checkpoints have Meta's names (naming "flagai"), not "${naming}".`,
      );
    // Meta's checkpoints carry the RoPE frequencies too; readers take them from params.json instead.
    const half = headSize / 2;
    add(
      'rope.freqs',
      [half],
      Float32Array.from({ length: half }, (_, i) => shape.ropeTheta ** (-i / half)),
      'whole',
    );
  }

  await mkdir(directory, { recursive: true });
  if (naming === 'hf') {
    const modelType = shape.queryKeyValueBias ? 'qwen2' : shape.slidingWindow ? 'mistral' : 'llama';
    const config = {
      architectures: [`${{ llama: 'Llama', qwen2: 'Qwen2', mistral: 'Mistral' }[modelType]}ForCausalLM`],
      model_type: modelType,
      hidden_act: 'silu',
      hidden_size: hidden,
      intermediate_size: intermediate,
      num_hidden_layers: shape.layerCount,
      num_attention_heads: shape.headCount,
      num_key_value_heads: shape.keyValueHeadCount,
      rms_norm_eps: shape.rmsNormEpsilon,
      rope_theta: shape.ropeTheta,
      rope_scaling: huggingFaceRopeScaling(shape.ropeScaling),
      max_position_embeddings: shape.maxPositions,
      ...(modelType === 'qwen2'
        ? { use_sliding_window: false, sliding_window: shape.maxPositions, max_window_layers: shape.layerCount }
        : {}),
      ...(modelType === 'mistral' ? { sliding_window: shape.slidingWindow } : {}),
      vocab_size: vocabSize,
      tie_word_embeddings: shape.tiedEmbeddings,
      bos_token_id: 1,
      eos_token_id: 2,
      pad_token_id: 0,
    };
    await writeFile(join(directory, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  } else {
    if (
      shape.tiedEmbeddings ||
      headSize * shape.headCount !== hidden ||
      intermediate < Math.floor((8 * hidden) / 3) ||
      shape.ropeScaling ||
      shape.queryKeyValueBias ||
      shape.slidingWindow
    ) {
      throw new ModelConfigError(
        `params.json cannot describe this shape: FlagAI models are untied, head size × heads = dim, FFN ≥ 8·dim/3, and plain LLaMA (no rope scaling, biases or sliding window).`,
      );
    }
    const params = {
      dim: hidden,
      multiple_of: intermediate,
      n_heads: shape.headCount,
      n_kv_heads: shape.keyValueHeadCount,
      n_layers: shape.layerCount,
      norm_eps: shape.rmsNormEpsilon,
      rope_theta: shape.ropeTheta,
      vocab_size: vocabSize,
      max_seq_len: shape.maxPositions,
    };
    await writeFile(join(directory, 'params.json'), `${JSON.stringify(params, null, 2)}\n`);
  }

  if (options.format === 'consolidated') {
    const count = options.modelParallel ?? 1;
    for (let shard = 0; shard < count; shard++) {
      await writeTorchCheckpoint({
        path: join(directory, `consolidated.${String(shard).padStart(2, '0')}.pth`),
        tensors: tensors.map((tensor) =>
          modelParallelSlice(tensor, splitAxes.get(tensor.name) ?? 'whole', shard, count),
        ),
      });
    }
  } else if (options.format === 'bin') {
    await writeTorchCheckpoint({
      path: join(directory, 'pytorch_model.bin'),
      tensors,
      wrapInModule: naming === 'flagai',
    });
  } else if (options.format === 'safetensors') {
    await writeSafetensors({ path: join(directory, 'model.safetensors'), tensors, metadata: { format: 'pt' } });
  } else {
    const byName = new Map(tensors.map((tensor) => [tensor.name, tensor]));
    const weightMap: Record<string, string> = {};
    for (const [index, names] of shards.entries()) {
      const file = `model-${String(index + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
      for (const name of names) weightMap[name] = file;
      await writeSafetensors({
        path: join(directory, file),
        tensors: names.map((name) => byName.get(name) as TensorToWrite),
      });
    }
    await writeFile(
      join(directory, 'model.safetensors.index.json'),
      `${JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2)}\n`,
    );
  }
  return new Map(tensors.map((tensor) => [tensor.name, tensor.values]));
}

/** The `shard`-th of `count` slices of a tensor along `axis` (whole: the tensor itself), as a model-parallel rank holds it. */
function modelParallelSlice(tensor: TensorToWrite, axis: 0 | 1 | 'whole', shard: number, count: number): TensorToWrite {
  if (axis === 'whole' || count === 1) return tensor;
  const [rows, columns = 1] = tensor.shape as [number, number?];
  const size = axis === 0 ? rows : columns;
  if (size % count !== 0)
    throw new ModelConfigError(
      `tensor "${tensor.name}" has ${size} along axis ${axis}, which ${count} shards cannot split evenly.`,
    );
  const part = size / count;
  const { values } = tensor;
  if (axis === 0)
    return {
      ...tensor,
      shape: [part, ...tensor.shape.slice(1)],
      values: values.slice(shard * part * columns, (shard + 1) * part * columns),
    };
  const sliced = new Float32Array(rows * part);
  for (let row = 0; row < rows; row++)
    sliced.set(values.subarray(row * columns + shard * part, row * columns + (shard + 1) * part), row * part);
  return { ...tensor, shape: [rows, part], values: sliced };
}
