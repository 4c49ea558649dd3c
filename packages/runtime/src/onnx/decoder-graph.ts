import type { ModelShape } from '../checkpoint/model-config.js';
import type { WeightPrecision } from '../converted-model-config.js';
import type { CachePrecision } from '../generation/key-value-cache.js';
import { embeddingLookup } from './embedding-lookup.js';
import type { OnnxGraph, OnnxInitializer, OnnxNode, OnnxTensorData, OnnxValueInfo } from './onnx-model.js';

/** A projection's weights as the graph stores them. */
export type ProjectionWeights =
  | { kind: 'float'; data: OnnxTensorData } // [in, out] float32
  | { kind: 'half'; data: OnnxTensorData } // [in, out] float16
  | { kind: 'quantized'; packed: OnnxTensorData; scales: OnnxTensorData; bits: 4 | 8 };

/** Where each weight of the decoder lives; projections are already packed ([q;k;v], [gate;up]). */
export interface DecoderWeights {
  /** `[vocab, hidden]` rows (float32, float16, or quantised like the head: `embeddingLookup`). */
  embedding: ProjectionWeights;
  rotaryCos: OnnxTensorData;
  rotarySin: OnnxTensorData;
  layers: {
    attentionNorm: OnnxTensorData;
    queryKeyValue: ProjectionWeights;
    /** [q; k; v] biases (Qwen2), float32. */
    queryKeyValueBias?: OnnxTensorData;
    attentionOutput: ProjectionWeights;
    feedForwardNorm: OnnxTensorData;
    gateUp: ProjectionWeights;
    down: ProjectionWeights;
  }[];
  finalNorm: OnnxTensorData;
  languageModelHead: ProjectionWeights;
}

/**
 * How the KV cache crosses the graph boundary. `caller-owned` (what `LanguageModel` runs): fixed-capacity
 * past inputs and only the new rows out. `present-outputs`: the onnxruntime-genai / transformers.js
 * contract (`attention_mask`, `past_key_values.*` in, `present.*` out, rotary inside GQA), for other
 * runtimes that drive the same weights.
 */
export type CacheLayout = 'caller-owned' | 'present-outputs';

export interface DecoderGraphOptions {
  shape: ModelShape;
  /** Default `caller-owned`. */
  cacheLayout?: CacheLayout;
  precision: WeightPrecision;
  blockSize: number;
  /** MatMulNBits accuracy level: 0 computes in float32, 4 quantises activations to int8 (faster). */
  accuracyLevel: number;
  weights: DecoderWeights;
  /** `caller-owned` only: the cache inputs and `new_rows.N` in float16, widened where attention reads them. Default fp32. */
  cachePrecision?: CachePrecision;
}

/** Names of the graph's inputs and outputs: the contract between the converter and the runtime. */
export const decoderNames = {
  inputIds: 'input_ids',
  positionIds: 'position_ids',
  attentionBiasPast: 'attention_bias.past',
  attentionBiasNew: 'attention_bias.new',
  attentionMask: 'attention_mask',
  seqlensK: 'seqlens_k',
  totalSequenceLength: 'total_sequence_length',
  logits: 'logits',
  nextToken: 'next_token',
  pastKey: (layer: number) => `past_key_values.${layer}.key`,
  pastValue: (layer: number) => `past_key_values.${layer}.value`,
  newKeyValue: (layer: number) => `new_rows.${layer}`,
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
} as const;

/**
 * The decoder graph for a KV cache owned by the caller (runtime.md §2): past keys (transposed,
 * `[batch, heads, headSize, capacity]`) and values (`[batch, heads, capacity, headSize]`) of a fixed capacity
 * are inputs (zero-copy), and only the new key and value rows come out (`new_rows.N`: `[batch, sequence,
 * keys ‖ values]`, keys rotated), for the caller to write at each sequence's length. Attention is written in
 * plain operators over two parts, the cache (under `attention_bias.past`, 0 or −∞ per position and row) and
 * the step's own rows (under `attention_bias.new`, causal), with one softmax across both: nothing copies the
 * cache, where GroupQueryAttention copies the whole past into its present buffer every step (onnxruntime-node
 * cannot bind one buffer as both). Logits only for the last position, and their argmax as `next_token`, so
 * that greedy steps need not fetch the logits. The `present-outputs` layout keeps GroupQueryAttention.
 */
export function buildDecoderGraph(options: DecoderGraphOptions): OnnxGraph {
  const { shape, weights } = options;
  const { hiddenSize: hidden, headSize, headCount, keyValueHeadCount } = shape;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  const addFloat = (name: string, dims: number[], data: OnnxTensorData): string => {
    initializers.push({ name, elementType: 'float32', dims, data });
    return name;
  };
  const matMul = (
    name: string,
    input: string,
    output: string,
    projection: ProjectionWeights,
    inputs: number,
    outputs: number,
  ): void => {
    if (projection.kind === 'float') {
      nodes.push({
        opType: 'MatMul',
        name: `${name}/MatMul`,
        inputs: [input, addFloat(`${name}.weight`, [inputs, outputs], projection.data)],
        outputs: [output],
      });
      return;
    }
    if (projection.kind === 'half') {
      // Widened once: onnxruntime folds the Cast of a constant at load (its CPU MatMul has no float16 kernel
      // on x86), so the file is half size and the products are those of the float16-rounded weights.
      initializers.push({
        name: `${name}.weight`,
        elementType: 'float16',
        dims: [inputs, outputs],
        data: projection.data,
      });
      nodes.push({
        opType: 'Cast',
        name: `${name}/Cast`,
        inputs: [`${name}.weight`],
        outputs: [`${name}/weight_float`],
        attributes: { to: { int: 1 } },
      });
      nodes.push({
        opType: 'MatMul',
        name: `${name}/MatMul`,
        inputs: [input, `${name}/weight_float`],
        outputs: [output],
      });
      return;
    }
    const blocks = Math.ceil(inputs / options.blockSize);
    const blockBytes = (options.blockSize * projection.bits) / 8;
    initializers.push({
      name: `${name}.weight_q`,
      elementType: 'uint8',
      dims: [outputs, blocks, blockBytes],
      data: projection.packed,
    });
    addFloat(`${name}.weight_scales`, [outputs * blocks], projection.scales);
    nodes.push({
      opType: 'MatMulNBits',
      domain: 'com.microsoft',
      name: `${name}/MatMulNBits`,
      inputs: [input, `${name}.weight_q`, `${name}.weight_scales`],
      outputs: [output],
      attributes: {
        K: { int: inputs },
        N: { int: outputs },
        bits: { int: projection.bits },
        block_size: { int: options.blockSize },
        accuracy_level: { int: options.accuracyLevel },
      },
    });
  };
  const queryWidth = headCount * headSize;
  const keyWidth = keyValueHeadCount * headSize;
  const int64 = (name: string, values: readonly number[], dims: number[] = [values.length]): string => {
    initializers.push({
      name,
      elementType: 'int64',
      dims,
      data: { raw: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) },
    });
    return name;
  };
  const split = (name: string, input: string, sizes: number[], outputs: string[]): void => {
    nodes.push({
      opType: 'Split',
      name,
      inputs: [input, int64(`${name}.sizes`, sizes)],
      outputs,
      attributes: { axis: { int: -1 } },
    });
  };

  addFloat('rotary.cos_cache', [shape.maxPositions, headSize / 2], weights.rotaryCos);
  addFloat('rotary.sin_cache', [shape.maxPositions, headSize / 2], weights.rotarySin);
  const lookup = embeddingLookup({
    weights: weights.embedding,
    vocabSize: shape.vocabSize,
    hiddenSize: hidden,
    blockSize: options.blockSize,
    inputIds: decoderNames.inputIds,
    output: '/model/embed_tokens/output',
  });
  initializers.push(...lookup.initializers);
  nodes.push(...lookup.nodes);

  const presentOutputs = options.cacheLayout === 'present-outputs';
  const halfCache = options.cachePrecision === 'fp16';
  const cacheElementType = halfCache ? 'float16' : 'float32';
  if (presentOutputs) {
    // onnxruntime-genai's mask reformat: seqlens_k = sum(mask) − 1 per row, total = mask width.
    const one = int64('/model/constants/INT64/1', [1], []);
    const axes = int64('/model/constants/INT64/[1]', [1]);
    nodes.push({
      opType: 'ReduceSum',
      name: '/model/attn_mask_reformat/ReduceSum',
      inputs: [decoderNames.attentionMask, axes],
      outputs: ['/model/attn_mask_reformat/sum'],
      attributes: { keepdims: { int: 0 } },
    });
    nodes.push({
      opType: 'Sub',
      name: '/model/attn_mask_reformat/Sub',
      inputs: ['/model/attn_mask_reformat/sum', one],
      outputs: ['/model/attn_mask_reformat/seqlens'],
    });
    nodes.push({
      opType: 'Cast',
      name: '/model/attn_mask_reformat/Cast',
      inputs: ['/model/attn_mask_reformat/seqlens'],
      outputs: [decoderNames.seqlensK],
      attributes: { to: { int: 6 } },
    });
    nodes.push({
      opType: 'Shape',
      name: '/model/attn_mask_reformat/Shape',
      inputs: [decoderNames.attentionMask],
      outputs: ['/model/attn_mask_reformat/shape'],
    });
    nodes.push({
      opType: 'Gather',
      name: '/model/attn_mask_reformat/Gather',
      inputs: ['/model/attn_mask_reformat/shape', one],
      outputs: ['/model/attn_mask_reformat/total'],
      attributes: { axis: { int: 0 } },
    });
    nodes.push({
      opType: 'Cast',
      name: '/model/attn_mask_reformat/Cast_total',
      inputs: ['/model/attn_mask_reformat/total'],
      outputs: [decoderNames.totalSequenceLength],
      attributes: { to: { int: 6 } },
    });
  }

  const groups = headCount / keyValueHeadCount;
  const node = (
    opType: string,
    name: string,
    inputs: string[],
    outputs: string[],
    attributes?: OnnxNode['attributes'],
    domain?: string,
  ): string => {
    nodes.push({ opType, name, inputs, outputs, ...(attributes ? { attributes } : {}), ...(domain ? { domain } : {}) });
    return outputs[0] as string;
  };
  const transpose = (name: string, input: string, perm: number[]): string =>
    node('Transpose', name, [input], [`${name}/output`], { perm: { ints: perm } });
  const reshape = (name: string, input: string, dims: number[]): string =>
    node('Reshape', name, [input, int64(`${name}.shape`, dims)], [`${name}/output`]);
  if (!presentOutputs) {
    // The split of each softmax row into the step's own positions and the cache's: [sequence, capacity].
    node('Shape', '/model/attn_split/sequence', [decoderNames.inputIds], ['/model/attn_split/sequence/output'], {
      start: { int: 1 },
      end: { int: 2 },
    });
    node('Shape', '/model/attn_split/capacity', [decoderNames.pastValue(0)], ['/model/attn_split/capacity/output'], {
      start: { int: 2 },
      end: { int: 3 },
    });
    node(
      'Concat',
      '/model/attn_split/sizes',
      ['/model/attn_split/sequence/output', '/model/attn_split/capacity/output'],
      ['/model/attn_split/sizes/output'],
      { axis: { int: 0 } },
    );
    addFloat('/model/constants/attention_scale', [], {
      raw: new Uint8Array(Float32Array.of(1 / Math.sqrt(headSize)).buffer),
    });
  }
  /** Rotary, then softmax(q·[k_new ‖ K_cache]ᵀ·scale + bias)·[v_new ‖ V_cache], heads grouped as [batch, kv heads, groups·sequence, …]. */
  const cacheAttention = (prefix: string, layer: number): void => {
    const qkv = `${prefix}/qkv`;
    split(`${prefix}/qk_v_split`, qkv, [queryWidth + keyWidth, keyWidth], [`${prefix}/qk`, `${prefix}/v`]);
    node(
      'RotaryEmbedding',
      `${prefix}/rotary`,
      [`${prefix}/qk`, decoderNames.positionIds, 'rotary.cos_cache', 'rotary.sin_cache'],
      [`${prefix}/qk_rotated`],
      { interleaved: { int: 0 } },
      'com.microsoft',
    );
    split(`${prefix}/q_k_split`, `${prefix}/qk_rotated`, [queryWidth, keyWidth], [`${prefix}/q`, `${prefix}/k`]);
    node(
      'Concat',
      `${prefix}/new_rows`,
      [`${prefix}/k`, `${prefix}/v`],
      [halfCache ? `${prefix}/new_rows/float` : decoderNames.newKeyValue(layer)],
      { axis: { int: -1 } },
    );
    if (halfCache) {
      node('Cast', `${prefix}/new_rows/Cast`, [`${prefix}/new_rows/float`], [decoderNames.newKeyValue(layer)], {
        to: { int: 10 },
      });
    }
    // A float16 cache is widened a layer at a time as attention reads it (onnxruntime's CPU MatMul is float32).
    const pastKey = halfCache
      ? node('Cast', `${prefix}/past_key/Cast`, [decoderNames.pastKey(layer)], [`${prefix}/past_key/float`], {
          to: { int: 1 },
        })
      : decoderNames.pastKey(layer);
    const pastValue = halfCache
      ? node('Cast', `${prefix}/past_value/Cast`, [decoderNames.pastValue(layer)], [`${prefix}/past_value/float`], {
          to: { int: 1 },
        })
      : decoderNames.pastValue(layer);
    // q: [B, S, kv·g·hd] → [B, kv, g·S, hd], scaled.
    const queryHeads =
      groups === 1
        ? transpose(
            `${prefix}/q_transpose`,
            reshape(`${prefix}/q_heads`, `${prefix}/q`, [0, 0, keyValueHeadCount, headSize]),
            [0, 2, 1, 3],
          )
        : reshape(
            `${prefix}/q_grouped`,
            transpose(
              `${prefix}/q_transpose`,
              reshape(`${prefix}/q_heads`, `${prefix}/q`, [0, 0, keyValueHeadCount, groups, headSize]),
              [0, 2, 3, 1, 4],
            ),
            [0, 0, -1, headSize],
          );
    const query = node(
      'Mul',
      `${prefix}/q_scale`,
      [queryHeads, '/model/constants/attention_scale'],
      [`${prefix}/q_scaled`],
    );
    const keysNew = transpose(
      `${prefix}/k_transpose`,
      reshape(`${prefix}/k_heads`, `${prefix}/k`, [0, 0, keyValueHeadCount, headSize]),
      [0, 2, 3, 1],
    );
    const valuesNew = transpose(
      `${prefix}/v_transpose`,
      reshape(`${prefix}/v_heads`, `${prefix}/v`, [0, 0, keyValueHeadCount, headSize]),
      [0, 2, 1, 3],
    );
    const scoresNew = node('MatMul', `${prefix}/scores_new`, [query, keysNew], [`${prefix}/scores_new/output`]);
    const scoresPast = node('MatMul', `${prefix}/scores_past`, [query, pastKey], [`${prefix}/scores_past/output`]);
    const biasedNew = node(
      'Add',
      `${prefix}/bias_new`,
      [scoresNew, decoderNames.attentionBiasNew],
      [`${prefix}/bias_new/output`],
    );
    const biasedPast = node(
      'Add',
      `${prefix}/bias_past`,
      [scoresPast, decoderNames.attentionBiasPast],
      [`${prefix}/bias_past/output`],
    );
    const scores = node('Concat', `${prefix}/scores`, [biasedNew, biasedPast], [`${prefix}/scores/output`], {
      axis: { int: -1 },
    });
    const probabilities = node('Softmax', `${prefix}/softmax`, [scores], [`${prefix}/softmax/output`], {
      axis: { int: -1 },
    });
    node(
      'Split',
      `${prefix}/probabilities_split`,
      [probabilities, '/model/attn_split/sizes/output'],
      [`${prefix}/probabilities_new`, `${prefix}/probabilities_past`],
      { axis: { int: -1 } },
    );
    const fromNew = node(
      'MatMul',
      `${prefix}/context_new`,
      [`${prefix}/probabilities_new`, valuesNew],
      [`${prefix}/context_new/output`],
    );
    const fromPast = node(
      'MatMul',
      `${prefix}/context_past`,
      [`${prefix}/probabilities_past`, pastValue],
      [`${prefix}/context_past/output`],
    );
    const context = node('Add', `${prefix}/context`, [fromNew, fromPast], [`${prefix}/context/output`]);
    // [B, kv, g·S, hd] → [B, S, kv·g·hd]
    const rows =
      groups === 1
        ? transpose(`${prefix}/context_transpose`, context, [0, 2, 1, 3])
        : transpose(
            `${prefix}/context_transpose`,
            reshape(`${prefix}/context_groups`, context, [0, 0, groups, -1, headSize]),
            [0, 3, 1, 2, 4],
          );
    node(
      'Reshape',
      `${prefix}/output_reshape`,
      [rows, int64(`${prefix}/output_reshape.shape`, [0, 0, queryWidth])],
      [`${prefix}/output`],
    );
  };

  let residual = '/model/embed_tokens/output';
  let skip: string | undefined;
  weights.layers.forEach((layer, index) => {
    const prefix = `/model/layers.${index}`;
    const normWeight = addFloat(`model.layers.${index}.input_layernorm.weight`, [hidden], layer.attentionNorm);
    if (skip === undefined) {
      nodes.push({
        opType: 'SimplifiedLayerNormalization',
        name: `${prefix}/input_layernorm`,
        inputs: [residual, normWeight],
        outputs: [`${prefix}/input_layernorm/output`],
        attributes: { axis: { int: -1 }, epsilon: { float: shape.rmsNormEpsilon }, stash_type: { int: 1 } },
      });
    } else {
      nodes.push({
        opType: 'SkipSimplifiedLayerNormalization',
        domain: 'com.microsoft',
        name: `${prefix}/input_layernorm`,
        inputs: [residual, skip, normWeight],
        outputs: [`${prefix}/input_layernorm/output`, '', '', `${prefix}/input_layernorm/residual`],
        attributes: { epsilon: { float: shape.rmsNormEpsilon } },
      });
      residual = `${prefix}/input_layernorm/residual`;
    }
    matMul(
      `${prefix}/attn/qkv_proj`,
      `${prefix}/input_layernorm/output`,
      layer.queryKeyValueBias ? `${prefix}/attn/qkv_unbiased` : `${prefix}/attn/qkv`,
      layer.queryKeyValue,
      hidden,
      queryWidth + 2 * keyWidth,
    );
    if (layer.queryKeyValueBias) {
      node(
        'Add',
        `${prefix}/attn/qkv_bias`,
        [
          `${prefix}/attn/qkv_unbiased`,
          addFloat(`model.layers.${index}.attn.qkv_proj.bias`, [queryWidth + 2 * keyWidth], layer.queryKeyValueBias),
        ],
        [`${prefix}/attn/qkv`],
      );
    }
    if (presentOutputs) {
      nodes.push({
        opType: 'GroupQueryAttention',
        domain: 'com.microsoft',
        name: `${prefix}/attn/GroupQueryAttention`,
        inputs: [
          `${prefix}/attn/qkv`,
          '',
          '',
          decoderNames.pastKey(index),
          decoderNames.pastValue(index),
          decoderNames.seqlensK,
          decoderNames.totalSequenceLength,
          'rotary.cos_cache',
          'rotary.sin_cache',
        ],
        outputs: [`${prefix}/attn/output`, decoderNames.presentKey(index), decoderNames.presentValue(index)],
        attributes: {
          num_heads: { int: headCount },
          kv_num_heads: { int: keyValueHeadCount },
          scale: { float: 1 / Math.sqrt(headSize) },
          // The window as transformers counts it (the query's own key among them): checked against the reference.
          local_window_size: { int: shape.slidingWindow ?? -1 },
          do_rotary: { int: 1 },
          rotary_interleaved: { int: 0 },
        },
      });
    } else {
      cacheAttention(`${prefix}/attn`, index);
    }
    matMul(
      `${prefix}/attn/o_proj`,
      `${prefix}/attn/output`,
      `${prefix}/attn/o_proj/output`,
      layer.attentionOutput,
      queryWidth,
      hidden,
    );
    nodes.push({
      opType: 'SkipSimplifiedLayerNormalization',
      domain: 'com.microsoft',
      name: `${prefix}/post_attention_layernorm`,
      inputs: [
        residual,
        `${prefix}/attn/o_proj/output`,
        addFloat(`model.layers.${index}.post_attention_layernorm.weight`, [hidden], layer.feedForwardNorm),
      ],
      outputs: [`${prefix}/post_attention_layernorm/output`, '', '', `${prefix}/post_attention_layernorm/residual`],
      attributes: { epsilon: { float: shape.rmsNormEpsilon } },
    });
    residual = `${prefix}/post_attention_layernorm/residual`;
    matMul(
      `${prefix}/mlp/gate_up_proj`,
      `${prefix}/post_attention_layernorm/output`,
      `${prefix}/mlp/gate_up`,
      layer.gateUp,
      hidden,
      2 * shape.intermediateSize,
    );
    split(
      `${prefix}/mlp/gate_up_split`,
      `${prefix}/mlp/gate_up`,
      [shape.intermediateSize, shape.intermediateSize],
      [`${prefix}/mlp/gate`, `${prefix}/mlp/up`],
    );
    nodes.push({
      opType: 'Sigmoid',
      name: `${prefix}/mlp/act/Sigmoid`,
      inputs: [`${prefix}/mlp/gate`],
      outputs: [`${prefix}/mlp/act/sigmoid`],
    });
    nodes.push({
      opType: 'Mul',
      name: `${prefix}/mlp/act/Mul`,
      inputs: [`${prefix}/mlp/gate`, `${prefix}/mlp/act/sigmoid`],
      outputs: [`${prefix}/mlp/act/output`],
    });
    nodes.push({
      opType: 'Mul',
      name: `${prefix}/mlp/Mul`,
      inputs: [`${prefix}/mlp/act/output`, `${prefix}/mlp/up`],
      outputs: [`${prefix}/mlp/hidden`],
    });
    matMul(
      `${prefix}/mlp/down_proj`,
      `${prefix}/mlp/hidden`,
      `${prefix}/mlp/down_proj/output`,
      layer.down,
      shape.intermediateSize,
      hidden,
    );
    skip = `${prefix}/mlp/down_proj/output`;
  });
  nodes.push({
    opType: 'SkipSimplifiedLayerNormalization',
    domain: 'com.microsoft',
    name: '/model/norm',
    inputs: [residual, skip ?? residual, addFloat('model.norm.weight', [hidden], weights.finalNorm)],
    outputs: ['/model/norm/output'],
    attributes: { epsilon: { float: shape.rmsNormEpsilon } },
  });
  nodes.push({
    opType: 'Gather',
    name: '/model/last_position/Gather',
    inputs: ['/model/norm/output', int64('/model/constants/last_position', [-1])],
    outputs: ['/model/last_position/output'],
    attributes: { axis: { int: 1 } },
  });
  matMul(
    '/lm_head',
    '/model/last_position/output',
    decoderNames.logits,
    weights.languageModelHead,
    hidden,
    shape.vocabSize,
  );

  const batch = 'batch_size';
  const sequence = 'sequence_length';
  const inputs: OnnxValueInfo[] = presentOutputs
    ? [
        { name: decoderNames.inputIds, elementType: 'int64', shape: [batch, sequence] },
        { name: decoderNames.attentionMask, elementType: 'int64', shape: [batch, 'total_sequence_length'] },
      ]
    : [
        { name: decoderNames.inputIds, elementType: 'int64', shape: [batch, sequence] },
        { name: decoderNames.positionIds, elementType: 'int64', shape: [batch, sequence] },
        {
          name: decoderNames.attentionBiasPast,
          elementType: 'float32',
          // A sliding window cuts each query row's past differently: one bias row per query row when it cuts.
          shape: [batch, 1, shape.slidingWindow ? 'past_bias_rows' : 1, 'cache_capacity'],
        },
        { name: decoderNames.attentionBiasNew, elementType: 'float32', shape: [1, 1, 'query_rows', sequence] },
      ];
  const outputs: OnnxValueInfo[] = [
    { name: decoderNames.logits, elementType: 'float32', shape: [batch, 1, shape.vocabSize] },
  ];
  if (!presentOutputs) {
    nodes.push({
      opType: 'ArgMax',
      name: '/next_token/ArgMax',
      inputs: [decoderNames.logits],
      outputs: [decoderNames.nextToken],
      attributes: { axis: { int: -1 }, keepdims: { int: 0 } },
    });
    outputs.push({ name: decoderNames.nextToken, elementType: 'int64', shape: [batch, 1] });
  }
  for (let layer = 0; layer < shape.layerCount; layer++) {
    if (presentOutputs) {
      for (const name of [decoderNames.pastKey(layer), decoderNames.pastValue(layer)])
        inputs.push({
          name,
          elementType: 'float32',
          shape: [batch, keyValueHeadCount, 'past_sequence_length', headSize],
        });
      for (const name of [decoderNames.presentKey(layer), decoderNames.presentValue(layer)])
        outputs.push({
          name,
          elementType: 'float32',
          shape: [batch, keyValueHeadCount, 'total_sequence_length', headSize],
        });
    } else {
      inputs.push({
        name: decoderNames.pastKey(layer),
        elementType: cacheElementType,
        shape: [batch, keyValueHeadCount, headSize, 'cache_capacity'],
      });
      inputs.push({
        name: decoderNames.pastValue(layer),
        elementType: cacheElementType,
        shape: [batch, keyValueHeadCount, 'cache_capacity', headSize],
      });
      outputs.push({
        name: decoderNames.newKeyValue(layer),
        elementType: cacheElementType,
        shape: [batch, sequence, 2 * keyWidth],
      });
    }
  }
  return { name: 'aquila-decoder', nodes, initializers, inputs, outputs };
}
