import { join } from 'node:path';
import type { ModelShape } from '../checkpoint/model-config.js';
import { type CachePrecision, KeyValueCache } from '../generation/key-value-cache.js';
import { OnnxDecoder } from '../generation/onnx-decoder.js';

export interface ModelLogitsOptions {
  /** A converted folder. */
  directory: string;
  shape: ModelShape;
  tokens: readonly number[];
  /** The tokens prefilled in one step; the rest go one per step. */
  promptLength: number;
  /** The cache precision the folder was converted with; default fp32. */
  cachePrecision?: CachePrecision;
}

/** The logits of every position from the prompt's last on: a prefill of the prompt, then one token per step. */
export async function modelLogits(options: ModelLogitsOptions): Promise<Float32Array[]> {
  const { shape, tokens, promptLength } = options;
  const decoder = await OnnxDecoder.create({ modelPath: join(options.directory, 'model.onnx'), shape });
  const cache = new KeyValueCache(
    shape.layerCount,
    shape.keyValueHeadCount,
    shape.headSize,
    shape.maxPositions,
    options.cachePrecision,
  );
  const out = (await decoder.step([{ tokenIds: tokens.slice(0, promptLength), pastLength: 0 }], cache, 0)).logits;
  for (let position = promptLength; position < tokens.length; position++)
    out.push(
      ...(await decoder.step([{ tokenIds: [tokens[position] as number], pastLength: position }], cache, 0)).logits,
    );
  await decoder.release();
  return out;
}
