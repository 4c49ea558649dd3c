/** How a checkpoint names its tensors: Hugging Face LLaMA/Aquila, or FlagAI/Meta-native (with interleaved RoPE). */
export type WeightNaming = 'hf' | 'flagai';

/** The per-layer weights of a LLaMA-family decoder layer. */
export type LayerWeight = 'attentionNorm' | 'query' | 'key' | 'value' | 'attentionOutput' | 'feedForwardNorm' | 'gate' | 'up' | 'down';

/** The weights outside the layers. */
export type ModelWeight = 'embedding' | 'finalNorm' | 'languageModelHead';

const hfLayerNames: Readonly<Record<LayerWeight, string>> = {
  attentionNorm: 'input_layernorm',
  query: 'self_attn.q_proj',
  key: 'self_attn.k_proj',
  value: 'self_attn.v_proj',
  attentionOutput: 'self_attn.o_proj',
  feedForwardNorm: 'post_attention_layernorm',
  gate: 'mlp.gate_proj',
  up: 'mlp.up_proj',
  down: 'mlp.down_proj',
};

const flagaiLayerNames: Readonly<Record<LayerWeight, string>> = {
  attentionNorm: 'attention_norm',
  query: 'attention.wq',
  key: 'attention.wk',
  value: 'attention.wv',
  attentionOutput: 'attention.wo',
  feedForwardNorm: 'ffn_norm',
  gate: 'feed_forward.w1',
  up: 'feed_forward.w3',
  down: 'feed_forward.w2',
};

const modelNames: Readonly<Record<WeightNaming, Readonly<Record<ModelWeight, string>>>> = {
  hf: { embedding: 'model.embed_tokens.weight', finalNorm: 'model.norm.weight', languageModelHead: 'lm_head.weight' },
  flagai: { embedding: 'tok_embeddings.weight', finalNorm: 'norm.weight', languageModelHead: 'output.weight' },
};

export const layerWeights: readonly LayerWeight[] = Object.keys(hfLayerNames) as LayerWeight[];

/** The checkpoint name of a layer weight, e.g. `model.layers.3.self_attn.q_proj.weight` or `layers.3.attention.wq.weight`. */
export function layerWeightName(naming: WeightNaming, layer: number, weight: LayerWeight): string {
  return naming === 'hf' ? `model.layers.${layer}.${hfLayerNames[weight]}.weight` : `layers.${layer}.${flagaiLayerNames[weight]}.weight`;
}

/** The checkpoint name of a weight outside the layers. */
export function modelWeightName(naming: WeightNaming, weight: ModelWeight): string {
  return modelNames[naming][weight];
}

/**
 * Reorders the rows of a query or key projection from Meta's interleaved RoPE pairs ((0,1),(2,3)… per
 * head) to the rotate-half layout ((i, i+d/2)) that HF checkpoints and the graph use; the same
 * permutation as HF's `convert_llama_weights_to_hf.py`.
 */
export function interleavedToHalfRotation(weights: Float32Array, headCount: number, headSize: number): Float32Array {
  const columns = weights.length / (headCount * headSize);
  const out = new Float32Array(weights.length);
  const half = headSize / 2;
  for (let head = 0; head < headCount; head++) {
    for (let pair = 0; pair < half; pair++) {
      for (let member = 0; member < 2; member++) {
        const from = (head * headSize + pair * 2 + member) * columns;
        const to = (head * headSize + member * half + pair) * columns;
        out.set(weights.subarray(from, from + columns), to);
      }
    }
  }
  return out;
}
