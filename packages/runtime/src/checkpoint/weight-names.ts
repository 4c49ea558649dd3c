import type { ModelShape } from './model-config.js';

/**
 * How a checkpoint names its tensors: Hugging Face LLaMA/Aquila; FlagAI/Meta-native (interleaved RoPE);
 * or FlagAI's flash-attn trainer (`transformer.layers.N.mixer.Wqkv`, …: the FlagAI model with packed
 * projections, the layout `s1_convert_flash2flagai.py` unpacks).
 */
export type WeightNaming = 'hf' | 'flagai' | 'flash';

/** The per-layer weights of a LLaMA-family decoder layer. */
export type LayerWeight =
  | 'attentionNorm'
  | 'query'
  | 'key'
  | 'value'
  | 'attentionOutput'
  | 'feedForwardNorm'
  | 'gate'
  | 'up'
  | 'down';

/** The weights outside the layers. */
export type ModelWeight = 'embedding' | 'finalNorm' | 'languageModelHead';

const layerNames: Readonly<Record<WeightNaming, Readonly<Record<LayerWeight, string>>>> = {
  hf: {
    attentionNorm: 'input_layernorm',
    query: 'self_attn.q_proj',
    key: 'self_attn.k_proj',
    value: 'self_attn.v_proj',
    attentionOutput: 'self_attn.o_proj',
    feedForwardNorm: 'post_attention_layernorm',
    gate: 'mlp.gate_proj',
    up: 'mlp.up_proj',
    down: 'mlp.down_proj',
  },
  flagai: {
    attentionNorm: 'attention_norm',
    query: 'attention.wq',
    key: 'attention.wk',
    value: 'attention.wv',
    attentionOutput: 'attention.wo',
    feedForwardNorm: 'ffn_norm',
    gate: 'feed_forward.w1',
    up: 'feed_forward.w3',
    down: 'feed_forward.w2',
  },
  // Wqkv = [wq; wk; wv] and fc1 = [w3; w1] (flash-attn's GatedMlp: `y, gate = fc1(x).chunk(2)`).
  flash: {
    attentionNorm: 'norm1',
    query: 'mixer.Wqkv',
    key: 'mixer.Wqkv',
    value: 'mixer.Wqkv',
    attentionOutput: 'mixer.out_proj',
    feedForwardNorm: 'norm2',
    gate: 'mlp.fc1',
    up: 'mlp.fc1',
    down: 'mlp.fc2',
  },
};

const layerPrefixes: Readonly<Record<WeightNaming, string>> = {
  hf: 'model.layers',
  flagai: 'layers',
  flash: 'transformer.layers',
};

const modelNames: Readonly<Record<WeightNaming, Readonly<Record<ModelWeight, string>>>> = {
  hf: { embedding: 'model.embed_tokens.weight', finalNorm: 'model.norm.weight', languageModelHead: 'lm_head.weight' },
  flagai: { embedding: 'tok_embeddings.weight', finalNorm: 'norm.weight', languageModelHead: 'output.weight' },
  flash: {
    embedding: 'transformer.embeddings.word_embeddings.weight',
    finalNorm: 'transformer.ln_f.weight',
    languageModelHead: 'lm_head.weight',
  },
};

export const layerWeights: readonly LayerWeight[] = Object.keys(layerNames.hf) as LayerWeight[];

export const weightNamings: readonly WeightNaming[] = Object.keys(layerNames) as WeightNaming[];

/** Whether the naming's query/key rows pair RoPE dimensions as (0,1),(2,3)… (Meta) rather than rotate-half (HF). */
export function usesInterleavedRotary(naming: WeightNaming): boolean {
  return naming !== 'hf';
}

/**
 * The checkpoint name of the tensor holding a layer weight, e.g. `model.layers.3.self_attn.q_proj.weight`,
 * `layers.3.attention.wq.weight` or (packed with the key and value) `transformer.layers.3.mixer.Wqkv.weight`.
 */
export function layerWeightName(naming: WeightNaming, layer: number, weight: LayerWeight): string {
  return `${layerPrefixes[naming]}.${layer}.${layerNames[naming][weight]}.weight`;
}

/** The checkpoint name of a weight outside the layers. */
export function modelWeightName(naming: WeightNaming, weight: ModelWeight): string {
  return modelNames[naming][weight];
}

/** Where a layer weight is stored: a whole tensor, or a band of rows of a packed one. */
export interface LayerWeightLocation {
  /** The tensor's checkpoint name. */
  name: string;
  /** The shape the whole tensor has. */
  tensorShape: number[];
  /** The weight's first row in the tensor, and its row count (a norm's "rows" are its elements). */
  firstRow: number;
  rows: number;
}

/** The weight's own shape ([out, in] for projections) before any packing. */
export function layerWeightShape(shape: ModelShape, weight: LayerWeight): number[] {
  const { hiddenSize: hidden, intermediateSize: intermediate } = shape;
  const queryWidth = shape.headCount * shape.headSize;
  const keyWidth = shape.keyValueHeadCount * shape.headSize;
  switch (weight) {
    case 'attentionNorm':
    case 'feedForwardNorm':
      return [hidden];
    case 'query':
      return [queryWidth, hidden];
    case 'key':
    case 'value':
      return [keyWidth, hidden];
    case 'attentionOutput':
      return [hidden, queryWidth];
    case 'gate':
    case 'up':
      return [intermediate, hidden];
    case 'down':
      return [hidden, intermediate];
  }
}

/** The weights packed together in one tensor, in row order (a single weight when it is not packed). */
export function packedLayerWeights(naming: WeightNaming, weight: LayerWeight): readonly LayerWeight[] {
  if (naming !== 'flash') return [weight];
  if (weight === 'query' || weight === 'key' || weight === 'value') return ['query', 'key', 'value'];
  if (weight === 'gate' || weight === 'up') return ['up', 'gate'];
  return [weight];
}

/** Where a layer weight lives in a checkpoint of the given naming and shape. */
export function layerWeightLocation(
  naming: WeightNaming,
  shape: ModelShape,
  layer: number,
  weight: LayerWeight,
): LayerWeightLocation {
  const own = layerWeightShape(shape, weight);
  let firstRow = 0;
  let totalRows = 0;
  for (const member of packedLayerWeights(naming, weight)) {
    if (member === weight) firstRow = totalRows;
    totalRows += layerWeightShape(shape, member)[0] as number;
  }
  return {
    name: layerWeightName(naming, layer, weight),
    tensorShape: [totalRows, ...own.slice(1)],
    firstRow,
    rows: own[0] as number,
  };
}

/** The projections that carry biases in a model with `queryKeyValueBias` (Qwen2). */
export const biasedLayerWeights = ['query', 'key', 'value'] as const satisfies readonly LayerWeight[];

/** Where the bias of a projection lives: the weight's location, named `….bias`, one value per row. */
export function layerBiasLocation(
  naming: WeightNaming,
  shape: ModelShape,
  layer: number,
  weight: (typeof biasedLayerWeights)[number],
): LayerWeightLocation {
  const location = layerWeightLocation(naming, shape, layer, weight);
  return {
    ...location,
    name: location.name.replace(/\.weight$/, '.bias'),
    tensorShape: location.tensorShape.slice(0, 1),
  };
}

/** The weight's values out of the values of the tensor `layerWeightLocation` names (a view, not a copy). */
export function layerWeightValues(location: LayerWeightLocation, tensor: Float32Array): Float32Array {
  const rowLength = location.tensorShape.slice(1).reduce((product, size) => product * size, 1);
  return tensor.subarray(location.firstRow * rowLength, (location.firstRow + location.rows) * rowLength);
}

function permuteRotaryRows(weights: Float32Array, headCount: number, headSize: number, toHalf: boolean): Float32Array {
  const columns = weights.length / (headCount * headSize);
  const out = new Float32Array(weights.length);
  const half = headSize / 2;
  for (let head = 0; head < headCount; head++) {
    for (let pair = 0; pair < half; pair++) {
      for (let member = 0; member < 2; member++) {
        const interleaved = (head * headSize + pair * 2 + member) * columns;
        const halves = (head * headSize + member * half + pair) * columns;
        const [from, to] = toHalf ? [interleaved, halves] : [halves, interleaved];
        out.set(weights.subarray(from, from + columns), to);
      }
    }
  }
  return out;
}

/**
 * Reorders the rows of a query or key projection from Meta's interleaved RoPE pairs ((0,1),(2,3)… per
 * head) to the rotate-half layout ((i, i+d/2)) that HF checkpoints and the graph use; the same
 * permutation as HF's `convert_llama_weights_to_hf.py`.
 */
export function interleavedToHalfRotation(weights: Float32Array, headCount: number, headSize: number): Float32Array {
  return permuteRotaryRows(weights, headCount, headSize, true);
}

/** The inverse of `interleavedToHalfRotation`: rotate-half rows to Meta's interleaved pairs. */
export function halfToInterleavedRotation(weights: Float32Array, headCount: number, headSize: number): Float32Array {
  return permuteRotaryRows(weights, headCount, headSize, false);
}
