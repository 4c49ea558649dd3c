import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelShape } from '../checkpoint/model-config.js';
import { layerWeightName, layerWeights, modelWeightName } from '../checkpoint/weight-names.js';

/**
 * A BF16 safetensors checkpoint (HF names, `config.json`) whose data is a hole: the header is written and the
 * file extended to its full size without writing a byte of it (a sparse file), so readers see every tensor,
 * all zeros. A 7B shape takes 14.6 GB of address and no disk. Returns the data bytes.
 */
export async function writeSparseCheckpoint(directory: string, shape: ModelShape): Promise<number> {
  const { hiddenSize: hidden, intermediateSize: intermediate, vocabSize } = shape;
  const tensors: [string, number[]][] = [[modelWeightName('hf', 'embedding'), [vocabSize, hidden]]];
  const dims: Record<(typeof layerWeights)[number], number[]> = {
    attentionNorm: [hidden],
    query: [shape.headCount * shape.headSize, hidden],
    key: [shape.keyValueHeadCount * shape.headSize, hidden],
    value: [shape.keyValueHeadCount * shape.headSize, hidden],
    attentionOutput: [hidden, shape.headCount * shape.headSize],
    feedForwardNorm: [hidden],
    gate: [intermediate, hidden],
    up: [intermediate, hidden],
    down: [hidden, intermediate],
  };
  for (let layer = 0; layer < shape.layerCount; layer++)
    for (const weight of layerWeights) tensors.push([layerWeightName('hf', layer, weight), dims[weight]]);
  tensors.push(
    [modelWeightName('hf', 'finalNorm'), [hidden]],
    [modelWeightName('hf', 'languageModelHead'), [vocabSize, hidden]],
  );
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, tensorShape] of tensors) {
    const length = tensorShape.reduce((product, size) => product * size, 1) * 2;
    header[name] = { dtype: 'BF16', shape: tensorShape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  const json = JSON.stringify(header);
  const handle = await open(join(directory, 'model.safetensors'), 'w');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  await handle.write(prefix);
  await handle.write(json);
  await handle.truncate(8 + json.length + offset);
  await handle.close();
  await writeFile(
    join(directory, 'config.json'),
    JSON.stringify({
      model_type: 'llama',
      hidden_size: hidden,
      intermediate_size: intermediate,
      num_hidden_layers: shape.layerCount,
      num_attention_heads: shape.headCount,
      num_key_value_heads: shape.keyValueHeadCount,
      head_dim: shape.headSize,
      rms_norm_eps: shape.rmsNormEpsilon,
      max_position_embeddings: shape.maxPositions,
      vocab_size: vocabSize,
    }),
  );
  return offset;
}
