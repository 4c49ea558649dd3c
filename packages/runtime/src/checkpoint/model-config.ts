import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeValue } from '@aquila/errors';
import { ModelConfigError } from '../errors.js';
import {
  type ArchitectureFeatures,
  type RopeScaling,
  readArchitecture,
  refuseMetaComputationKeys,
} from './config-support.js';
import { parseConfigObject } from './parse-config-object.js';
import { readTokenizerVocabulary } from './tokenizer-vocabulary.js';

/** The shapes of a LLaMA-family decoder (Aquila-7B: 4096 hidden, 11008 FFN, 32 layers, 32 heads, vocab 100008). */
export interface ModelShape {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  layerCount: number;
  headCount: number;
  /** Equal to `headCount` for multi-head attention, fewer for grouped-query attention. */
  keyValueHeadCount: number;
  headSize: number;
  rmsNormEpsilon: number;
  ropeTheta: number;
  /** The context length: the most positions a sequence may hold. */
  maxPositions: number;
  /** Whether the output projection reuses the token embedding. */
  tiedEmbeddings: boolean;
  /** Rescaled rotary frequencies (`rope_scaling`); absent: plain RoPE with `ropeTheta`. */
  ropeScaling?: RopeScaling;
  /** Biases on the query, key and value projections (Qwen2). */
  queryKeyValueBias?: boolean;
  /** Each position attends to itself and the `slidingWindow − 1` positions before it (Mistral); absent: the whole context. */
  slidingWindow?: number;
}

/** A model's shapes and the token ids its config names. */
export interface ModelConfig {
  shape: ModelShape;
  bosTokenId?: number;
  /** The first of `eosTokenIds`. */
  eosTokenId?: number;
  /** Every id `eos_token_id` names (a list in Llama 3 and Qwen2 configs); each ends generation. */
  eosTokenIds: number[];
  padTokenId?: number;
  /** The HF `model_type` (`llama` for params.json and configs without one). */
  modelType: ArchitectureFeatures['modelType'];
  /** The config file read. */
  source: string;
}

export interface ReadModelConfigOptions {
  /** A checkpoint folder holding `config.json` (HF or FlagAI keys) or `params.json` (Meta/FlagAI keys). */
  directory: string;
}

/** cos and sin tables hold maxPositions × headSize values in all: 2^28 is 1 GiB of float32, a million positions at head size 256. */
const maximumRotaryValues = 2 ** 28;

function positiveInteger(config: Record<string, unknown>, key: string, file: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ModelConfigError(`${file}: "${key}" must be a positive integer, got ${describeValue(config[key])}.`);
  }
  return value;
}

function positiveNumber(config: Record<string, unknown>, key: string, file: string, fallback: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number' || !(value > 0))
    throw new ModelConfigError(`${file}: "${key}" must be a positive number, got ${describeValue(config[key])}.`);
  return value;
}

function optionalTokenId(value: unknown): number | undefined {
  if (Array.isArray(value)) return optionalTokenId(value[0]);
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Every valid id of a token id or list of them (`eos_token_id: [128001, 128008, 128009]`). */
export function tokenIds(value: unknown): number[] {
  const ids = (Array.isArray(value) ? value : [value]).map(optionalTokenId);
  return [...new Set(ids.filter((id): id is number => id !== undefined))];
}

/** Reads a model shape from HF keys (`hidden_size`, …) or Meta/FlagAI keys (`dim`, `n_heads`, `multiple_of`, …). */
function parseModelConfig(config: Record<string, unknown>, file: string): ModelConfig {
  let shape: ModelShape;
  let modelType: ArchitectureFeatures['modelType'] = 'llama';
  if ('dim' in config) {
    refuseMetaComputationKeys(config, file);
    const hiddenSize = positiveInteger(config, 'dim', file);
    const headCount = positiveInteger(config, 'n_heads', file);
    const multipleOf = positiveInteger(config, 'multiple_of', file, 256);
    const multiplier = typeof config.ffn_dim_multiplier === 'number' ? config.ffn_dim_multiplier : 1;
    // Meta/FlagAI: hidden = multiple_of · ceil(int(multiplier · int(2 · 4 · dim / 3)) / multiple_of).
    const base = Math.floor(multiplier * Math.floor((2 * 4 * hiddenSize) / 3));
    shape = {
      vocabSize: positiveInteger(config, 'vocab_size', file),
      hiddenSize,
      intermediateSize: multipleOf * Math.ceil(base / multipleOf),
      layerCount: positiveInteger(config, 'n_layers', file),
      headCount,
      keyValueHeadCount: positiveInteger(config, 'n_kv_heads', file, headCount),
      headSize: hiddenSize / headCount,
      rmsNormEpsilon: positiveNumber(config, 'norm_eps', file, 1e-5),
      ropeTheta: positiveNumber(config, 'rope_theta', file, 10000),
      maxPositions: positiveInteger(config, 'max_seq_len', file, 2048),
      tiedEmbeddings: false,
    };
  } else {
    const hiddenSize = positiveInteger(config, 'hidden_size', file);
    const headCount = positiveInteger(config, 'num_attention_heads', file);
    shape = {
      vocabSize: positiveInteger(config, 'vocab_size', file),
      hiddenSize,
      intermediateSize: positiveInteger(config, 'intermediate_size', file),
      layerCount: positiveInteger(config, 'num_hidden_layers', file),
      headCount,
      keyValueHeadCount: positiveInteger(config, 'num_key_value_heads', file, headCount),
      headSize: positiveInteger(config, 'head_dim', file, hiddenSize / headCount),
      rmsNormEpsilon: positiveNumber(config, 'rms_norm_eps', file, 1e-6),
      ropeTheta: positiveNumber(config, 'rope_theta', file, 10000),
      maxPositions: positiveInteger(config, 'max_position_embeddings', file, 2048),
      tiedEmbeddings: config.tie_word_embeddings === true,
    };
    const { modelType: type, ...features } = readArchitecture(config, file, shape.maxPositions);
    modelType = type;
    shape = { ...shape, ...features };
  }
  if (!Number.isSafeInteger(shape.intermediateSize) || shape.intermediateSize <= 0) {
    throw new ModelConfigError(
      `${file}: the feed-forward size works out to ${shape.intermediateSize} (from dim, multiple_of and ffn_dim_multiplier ${describeValue(config.ffn_dim_multiplier)}); it must be a positive integer.`,
    );
  }
  if (!Number.isSafeInteger(shape.headSize) || shape.headSize % 2 !== 0) {
    throw new ModelConfigError(
      `${file}: head size ${shape.headSize} (hidden ${shape.hiddenSize} / ${shape.headCount} heads) must be an even integer.`,
    );
  }
  if (shape.headSize % 8 !== 0) {
    throw new ModelConfigError(
      `${file}: head size ${shape.headSize} is not a multiple of 8, which onnxruntime's GroupQueryAttention needs.`,
    );
  }
  if (shape.maxPositions * shape.headSize > maximumRotaryValues) {
    throw new ModelConfigError(
      `${file}: a context of ${shape.maxPositions} positions with head size ${shape.headSize} needs rotary tables of ${shape.maxPositions * shape.headSize} values, over the ${maximumRotaryValues} this converter builds; check max_position_embeddings (max_seq_len).`,
    );
  }
  if (shape.headCount % shape.keyValueHeadCount !== 0) {
    throw new ModelConfigError(
      `${file}: ${shape.headCount} attention heads are not a multiple of ${shape.keyValueHeadCount} key/value heads.`,
    );
  }
  return {
    shape,
    bosTokenId: optionalTokenId(config.bos_token_id),
    eosTokenId: optionalTokenId(config.eos_token_id),
    eosTokenIds: tokenIds(config.eos_token_id),
    padTokenId: optionalTokenId(config.pad_token_id),
    modelType,
    source: file,
  };
}

/** Meta's `params.json` says `vocab_size: -1` for "the tokenizer's": the size of the folder's tokenizer. */
async function resolveMetaVocabularySize(
  config: Record<string, unknown>,
  directory: string,
  file: string,
): Promise<Record<string, unknown>> {
  if (!('dim' in config) || config.vocab_size !== -1) return config;
  const vocabulary = await readTokenizerVocabulary({ directory });
  if (!vocabulary)
    throw new ModelConfigError(
      `${file}: "vocab_size" is -1 (the tokenizer's, in Meta's params.json), but the folder has no tokenizer.model or tokenizer.json to take it from; put the tokenizer beside the weights or set vocab_size.`,
    );
  return { ...config, vocab_size: vocabulary.size };
}

/** Reads `config.json`, else `params.json`, from a checkpoint folder. */
export async function readModelConfig(options: ReadModelConfigOptions): Promise<ModelConfig> {
  for (const name of ['config.json', 'params.json']) {
    const file = join(options.directory, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const config = parseConfigObject(text, file);
    return parseModelConfig(await resolveMetaVocabularySize(config, options.directory, file), file);
  }
  throw new ModelConfigError(
    `${options.directory}: no config.json or params.json; the model's shapes cannot be known without one.`,
  );
}
