import { describeValue } from '@aquila/errors';
import { ModelConfigError, UnsupportedModelError } from '../errors.js';

/**
 * How rotary frequencies are rescaled (HF `rope_scaling`). `linear` divides every frequency by `factor`;
 * `llama3` divides the low frequencies by `factor`, keeps the high ones and blends in between (Llama 3.1+);
 * `dynamic` (NTK) changes the base only once a sequence passes `max_position_embeddings`, which the context
 * never does here, so its frequencies are the plain ones (as Hugging Face transformers computes them).
 */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | { type: 'dynamic'; factor: number }
  | {
      type: 'llama3';
      factor: number;
      lowFrequencyFactor: number;
      highFrequencyFactor: number;
      originalMaxPositions: number;
    };

/** What an HF `config.json` says about the computation beyond the shapes. */
export interface ArchitectureFeatures {
  modelType: SupportedModelType;
  ropeTheta: number;
  ropeScaling?: RopeScaling;
  queryKeyValueBias?: boolean;
  slidingWindow?: number;
}

/** The `model_type`s converted exactly: LLaMA (CodeLlama, DeepSeek-Coder, TinyLlama…), BAAI's Aquila, Mistral, Qwen2/2.5. */
const supportedModelTypes = ['llama', 'aquila', 'mistral', 'qwen2'] as const;
type SupportedModelType = (typeof supportedModelTypes)[number];

type Config = Readonly<Record<string, unknown>>;

function refuse(file: string, key: string, value: unknown, why: string): never {
  throw new UnsupportedModelError(key, `${file}: "${key}" ${describeValue(value)} ${why}`);
}

function scalingNumber(scaling: Config, key: string, file: string, prefix: string): number {
  const value = scaling[key];
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value))
    throw new ModelConfigError(`${file}: "${prefix}.${key}" must be a positive number, got ${describeValue(value)}.`);
  return value;
}

/** `rope_scaling` (or transformers v5's `rope_parameters`) as a `RopeScaling`, or a refusal naming its type. */
function readRopeScaling(
  config: Config,
  file: string,
  maxPositions: number,
): { theta: number | undefined; scaling?: RopeScaling } {
  const prefix = config.rope_parameters !== undefined ? 'rope_parameters' : 'rope_scaling';
  const raw = config[prefix];
  if (raw === undefined || raw === null) return { theta: undefined };
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ModelConfigError(`${file}: "${prefix}" must be an object or null, got ${describeValue(raw)}.`);
  const scaling = raw as Config;
  const theta = scaling.rope_theta === undefined ? undefined : scalingNumber(scaling, 'rope_theta', file, prefix);
  const type = scaling.rope_type ?? scaling.type ?? 'default';
  const typeKey = `${prefix}.${scaling.rope_type === undefined ? 'type' : 'rope_type'}`;
  if (type === 'default') return { theta };
  if (type === 'linear' || type === 'dynamic') {
    const factor = scalingNumber(scaling, 'factor', file, prefix);
    const original = scaling.original_max_position_embeddings;
    // transformers grows a dynamic base from max_position_embeddings; a smaller original length is read differently by its versions.
    if (type === 'dynamic' && original !== undefined && original !== null && original !== maxPositions) {
      refuse(
        file,
        `${prefix}.original_max_position_embeddings`,
        original,
        `with dynamic NTK scaling and max_position_embeddings ${maxPositions} makes the frequencies depend on the transformers version and the sequence length; not converted (remove it to scale from max_position_embeddings, as transformers does).`,
      );
    }
    return { theta, scaling: { type, factor } };
  }
  if (type === 'llama3') {
    const lowFrequencyFactor = scalingNumber(scaling, 'low_freq_factor', file, prefix);
    const highFrequencyFactor = scalingNumber(scaling, 'high_freq_factor', file, prefix);
    if (!(highFrequencyFactor > lowFrequencyFactor))
      throw new ModelConfigError(
        `${file}: "${prefix}.high_freq_factor" (${highFrequencyFactor}) must exceed "low_freq_factor" (${lowFrequencyFactor}).`,
      );
    return {
      theta,
      scaling: {
        type,
        factor: scalingNumber(scaling, 'factor', file, prefix),
        lowFrequencyFactor,
        highFrequencyFactor,
        originalMaxPositions: scalingNumber(scaling, 'original_max_position_embeddings', file, prefix),
      },
    };
  }
  return refuse(
    file,
    typeKey,
    type,
    'is a RoPE scaling this converter does not implement (it implements linear, dynamic and llama3); converting without it would give another model.',
  );
}

/**
 * Reads what an HF `config.json` says about the computation, the way transformers' modeling code for its
 * `model_type` reads it, and refuses with an `UnsupportedModelError` naming the key whatever it does not
 * implement exactly. Keys the modeling code ignores (dropout, initializer range, `use_cache`, …) are ignored;
 * `pretraining_tp` only splits the same products. A config without `model_type` (FlagAI's) is LLaMA.
 */
export function readArchitecture(config: Config, file: string, maxPositions: number): ArchitectureFeatures {
  const modelType = config.model_type ?? 'llama';
  if (!supportedModelTypes.includes(modelType as SupportedModelType)) {
    refuse(
      file,
      'model_type',
      modelType,
      `is not a model this converter knows (it converts ${supportedModelTypes.join(', ')}); its layers may compute something else.`,
    );
  }
  const activation = config.hidden_act ?? 'silu';
  // transformers' ACT2FN maps "swish" to the same SiLU.
  if (activation !== 'silu' && activation !== 'swish')
    refuse(file, 'hidden_act', activation, 'is not SiLU, the only feed-forward activation the graph computes.');
  if (config.quantization_config !== undefined && config.quantization_config !== null) {
    refuse(
      file,
      'quantization_config',
      (config.quantization_config as Config).quant_method ?? config.quantization_config,
      'marks pre-quantised weights (GPTQ, AWQ, bitsandbytes…), which are not read; convert the float checkpoint instead.',
    );
  }
  const partial = config.partial_rotary_factor;
  if (partial !== undefined && partial !== null && partial !== 1)
    refuse(file, 'partial_rotary_factor', partial, 'rotates part of each head, which the graph does not.');
  if (modelType === 'llama') {
    // LlamaConfig's biases: on q/k/v/o (attention_bias) and on the feed-forward (mlp_bias).
    if (config.attention_bias === true)
      refuse(file, 'attention_bias', true, 'adds biases to the q/k/v/o projections, which LLaMA graphs here lack.');
    if (config.mlp_bias === true)
      refuse(file, 'mlp_bias', true, 'adds biases to the feed-forward projections, which the graph lacks.');
  }
  const rope = readRopeScaling(config, file, maxPositions);
  const configTheta = config.rope_theta ?? rope.theta ?? 10000;
  if (typeof configTheta !== 'number' || !(configTheta > 0))
    throw new ModelConfigError(`${file}: "rope_theta" must be a positive number, got ${describeValue(configTheta)}.`);
  const features: ArchitectureFeatures = {
    modelType: modelType as SupportedModelType,
    ropeTheta: configTheta,
    ...(rope.scaling ? { ropeScaling: rope.scaling } : {}),
  };
  if (modelType === 'qwen2') features.queryKeyValueBias = true;
  // MistralConfig's default window is 4096; Mistral v0.2+ configs say null.
  const window = modelType === 'mistral' && !('sliding_window' in config) ? 4096 : config.sliding_window;
  const windowCuts = typeof window === 'number' && window < maxPositions;
  if (
    window !== undefined &&
    window !== null &&
    (typeof window !== 'number' || !Number.isSafeInteger(window) || window <= 0)
  )
    throw new ModelConfigError(
      `${file}: "sliding_window" must be a positive integer or null, got ${describeValue(window)}.`,
    );
  if (modelType === 'mistral' && windowCuts) features.slidingWindow = window;
  if (modelType === 'qwen2' && config.use_sliding_window === true && windowCuts) {
    refuse(
      file,
      'use_sliding_window',
      true,
      `with a sliding_window of ${window} under a context of ${maxPositions} limits attention in the layers from max_window_layers on, which is not converted.`,
    );
  }
  const layerTypes = config.layer_types;
  if (
    Array.isArray(layerTypes) &&
    layerTypes.some((type) => type !== 'full_attention') &&
    windowCuts &&
    modelType !== 'mistral'
  ) {
    refuse(
      file,
      'layer_types',
      layerTypes.find((type) => type !== 'full_attention'),
      'gives layers attention patterns of their own, which is not converted.',
    );
  }
  return features;
}

/** Refuses the Meta `params.json` keys that change the computation and are not implemented. */
export function refuseMetaComputationKeys(config: Config, file: string): void {
  if (config.use_scaled_rope === true)
    refuse(
      file,
      'use_scaled_rope',
      true,
      'scales RoPE frequencies (Llama 3.1+) with factors params.json does not carry; convert the HF checkpoint, whose config.json has rope_scaling.',
    );
  for (const key of ['moe_args', 'vision_chunk_size', 'qk_norm'] as const)
    if (config[key] !== undefined && config[key] !== null && config[key] !== false)
      refuse(file, key, config[key], 'changes the layers in a way this converter does not implement.');
}
