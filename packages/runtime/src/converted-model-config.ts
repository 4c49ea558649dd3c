import type { ModelShape } from './checkpoint/model-config.js';
import type { CachePrecision } from './generation/key-value-cache.js';

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
  /** 3: attention in plain operators over a cache with transposed keys, rotated `new_rows.N` (2: GroupQueryAttention, unrotated rows; 1: separate key/value rows). */
  version: 3;
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
