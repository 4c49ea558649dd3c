import type { ModelShape } from './checkpoint/model-config.js';
import { ModelConfigError } from './errors.js';
import type { CachePrecision } from './generation/key-value-cache.js';

/**
 * The graph format versions this runtime runs. 4 is version 3's graph with something the runtime itself must
 * apply that a version-3 runtime (@aquila/runtime 0.1) would skip: a sliding window (in the attention bias it
 * builds) or an fp16 cache. Such a runtime refuses version 4 instead of running it without the window; models
 * without either stay version 3, which it runs.
 */
const convertedModelVersions = [3, 4] as const;

export type ConvertedModelVersion = (typeof convertedModelVersions)[number];

/** The oldest version that carries everything `config` asks of the runtime. */
export function convertedModelVersion(
  config: Pick<ConvertedModelConfig, 'shape' | 'cachePrecision'>,
): ConvertedModelVersion {
  return config.shape.slidingWindow !== undefined || (config.cachePrecision ?? 'fp32') !== 'fp32' ? 4 : 3;
}

/** Refuses an `aquila-config.json` (`file`) of a version this runtime does not run, saying what to do. */
export function checkConvertedModelVersion(version: number, file: string): void {
  if ((convertedModelVersions as readonly number[]).includes(version)) return;
  const newest = convertedModelVersions[convertedModelVersions.length - 1] as number;
  throw new ModelConfigError(
    `${file}: the graph is aquila-onnx-decoder version ${version}, and this @aquila/runtime runs versions ${convertedModelVersions.join(' and ')}; ${
      version > newest
        ? 'a newer @aquila/runtime converted it, for a computation this one does not apply (such as a sliding window before version 4): update @aquila/runtime, or convert the checkpoint with this one'
        : 'convert the checkpoint again with `aquila convert`'
    }.`,
  );
}

/** How the weights of a converted model are stored: float32, float16, or int8/int4 block-wise (MatMulNBits). */
export type WeightPrecision = 'fp32' | 'fp16' | 'int8' | 'int4';

/** The generation defaults a converted model carries; request options override them. */
export interface GenerationDefaults {
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
  stopTokenIds: number[];
  stopStrings: string[];
}

/** `aquila-config.json`: everything `generate` and `serve` need besides the graph and weights. */
export interface ConvertedModelConfig {
  format: 'aquila-onnx-decoder';
  /**
   * 3: attention in plain operators over a cache with transposed keys, rotated `new_rows.N` (2: GroupQueryAttention,
   * unrotated rows; 1: separate key/value rows); 4: the same graph with a sliding window or fp16 cache, which the
   * runtime applies (see `convertedModelVersion`).
   */
  version: ConvertedModelVersion;
  shape: ModelShape;
  precision: WeightPrecision;
  /** MatMulNBits block size (int8/int4). */
  blockSize?: number;
  /** The token embedding is block-quantised like the projections (`GatherBlockQuantized`). */
  quantizedEmbedding?: boolean;
  /** The KV cache's precision the graph takes (absent: fp32). */
  cachePrecision?: CachePrecision;
  /** The graph file, relative to the folder. */
  model: string;
  /** The external weights file, relative to the folder. */
  weights: string;
  /** `caller-owned` graphs run in `LanguageModel`; `present-outputs` graphs are for other runtimes. */
  cacheLayout: 'caller-owned' | 'present-outputs';
  /** The tokenizer files copied from the checkpoint. */
  tokenizerFiles: string[];
  bosTokenId?: number;
  eosTokenId?: number;
  padTokenId?: number;
  generation: GenerationDefaults;
  /** Where the model came from (checkpoint folder, naming, HF `model_type`), for humans. */
  source: { checkpoint: string; naming: string; modelType?: string };
}
