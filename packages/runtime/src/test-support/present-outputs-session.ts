import * as ort from 'onnxruntime-node';
import type { ModelShape } from '../checkpoint/model-config.js';

/**
 * Drives a `present-outputs` graph the way onnxruntime-genai and transformers.js do: `attention_mask` of
 * the whole sequence, `past_key_values.*` in, `present.*` fed back as the next step's past.
 */
export async function openPresentOutputsSession(modelPath: string, shape: ModelShape) {
  const session = await ort.InferenceSession.create(modelPath);
  const empty = new ort.Tensor('float32', new Float32Array(0), [1, shape.keyValueHeadCount, 0, shape.headSize]);
  const past: Record<string, ort.Tensor> = {};
  for (let layer = 0; layer < shape.layerCount; layer++) {
    past[`past_key_values.${layer}.key`] = empty;
    past[`past_key_values.${layer}.value`] = empty;
  }
  return {
    /** The cache after the last step, by input name. */
    past,
    /** Runs `ids` after `total − ids.length` cached positions; returns the last position's logits. */
    async run(ids: number[], total: number): Promise<Float32Array> {
      const outputs = await session.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
        ...past,
      });
      for (let layer = 0; layer < shape.layerCount; layer++) {
        past[`past_key_values.${layer}.key`] = outputs[`present.${layer}.key`] as ort.Tensor;
        past[`past_key_values.${layer}.value`] = outputs[`present.${layer}.value`] as ort.Tensor;
      }
      return outputs.logits?.data as Float32Array;
    },
    release: () => session.release(),
  };
}
