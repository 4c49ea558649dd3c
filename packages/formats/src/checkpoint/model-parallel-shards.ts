import { describeValue } from '@aquila/errors';
import { CheckpointFormatError, CheckpointTensorError } from '../errors.js';
import type { Checkpoint, CheckpointTensorInfo, ReadTensorOptions } from './checkpoint.js';

/**
 * How Meta's model-parallel LLaMA code (fairscale) splits each tensor across `consolidated.NN.pth`: column-parallel
 * projections (wq, wk, wv, w1, w3, output) by rows, row-parallel ones (wo, w2) by columns; norms and RoPE
 * frequencies are whole in every shard. The embedding is split by columns (Llama 1 and 2's ParallelEmbedding) or by
 * rows (Llama 3's VocabParallelEmbedding), told apart by the hidden size the final norm gives.
 */
function splitAxis(name: string, embeddingAxis: 0 | 1): 0 | 1 | 'whole' | undefined {
  if (/^layers\.\d+\.attention\.w[qkv]\.weight$/.test(name) || /^layers\.\d+\.feed_forward\.w[13]\.weight$/.test(name))
    return 0;
  if (name === 'output.weight') return 0;
  if (/^layers\.\d+\.(attention\.wo|feed_forward\.w2)\.weight$/.test(name)) return 1;
  if (name === 'tok_embeddings.weight') return embeddingAxis;
  if (/^layers\.\d+\.(attention_norm|ffn_norm)\.weight$/.test(name) || name === 'norm.weight' || name === 'rope.freqs')
    return 'whole';
  return undefined;
}

/**
 * One checkpoint over Meta's model-parallel shards (`files`, opened as `parts`, in shard order): each tensor reads
 * as the whole tensor, its slices concatenated along the axis Meta's code split it on (memory: the whole tensor as
 * float32 plus one slice). Every shard must hold the same tensors, each split or whole as that layout says.
 */
export function mergeModelParallelShards(parts: readonly Checkpoint[], files: readonly string[]): Checkpoint {
  const [first] = parts;
  if (first === undefined || parts.length !== files.length)
    throw new CheckpointFormatError('mergeModelParallelShards needs one opened checkpoint per shard file.');
  const shards = files.join(', ');
  const norm = first.get('norm.weight');
  const hidden = norm?.shape.length === 1 ? norm.shape[0] : undefined;
  const embedding = first.get('tok_embeddings.weight');
  if (hidden === undefined || embedding?.shape.length !== 2)
    throw new CheckpointFormatError(
      `${files[0]}: model-parallel shards need Meta's "norm.weight" and "tok_embeddings.weight" (the shards are ${shards}); are these Meta LLaMA consolidated.NN.pth files?`,
    );
  const embeddingAxis = embedding.shape[1] === hidden ? 0 : 1;
  const merged = new Map<string, { info: CheckpointTensorInfo; axis: 0 | 1 | 'whole' }>();
  for (const tensor of first.tensors) {
    const axis = splitAxis(tensor.name, embeddingAxis);
    if (axis === undefined || (axis !== 'whole' && tensor.shape.length !== 2))
      throw new CheckpointFormatError(
        `${tensor.file}: tensor "${tensor.name}" [${tensor.shape.join(', ')}] is not in Meta's LLaMA model-parallel layout, so how its slices in ${shards} join is unknown; merge the shards with Meta's or HF's conversion script first.`,
      );
    const shape = [...tensor.shape];
    for (const [index, part] of parts.entries()) {
      if (index === 0) continue;
      const slice = part.get(tensor.name);
      // A whole tensor has the same shape in every shard; a split one differs only along the split axis.
      const fits =
        slice !== undefined &&
        slice.dtype === tensor.dtype &&
        slice.shape.length === tensor.shape.length &&
        slice.shape.every((size, at) => at === axis || size === tensor.shape[at]);
      if (!fits)
        throw new CheckpointFormatError(
          `${files[index]}: tensor "${tensor.name}" is ${slice === undefined ? 'missing' : `${slice.dtype} [${slice.shape.join(', ')}]`}, but ${files[0]} holds it as ${tensor.dtype} [${tensor.shape.join(', ')}]${axis === 'whole' ? ', whole in every shard' : `, split along axis ${axis}`}; are all shards of one checkpoint?`,
        );
      if (axis !== 'whole') shape[axis] = (shape[axis] as number) + (slice.shape[axis] as number);
    }
    merged.set(tensor.name, { info: { ...tensor, shape }, axis });
  }
  for (const [index, part] of parts.entries()) {
    const extra = part.tensors.find((tensor) => !merged.has(tensor.name));
    if (extra)
      throw new CheckpointFormatError(
        `${files[index]}: tensor ${describeValue(extra.name)} is not in ${files[0]}; are all shards of one checkpoint?`,
      );
  }
  const tensors = [...merged.values()].map(({ info }) => info);
  return {
    tensors,
    get: (name) => merged.get(name)?.info,
    async read(name: string, options?: ReadTensorOptions): Promise<Float32Array> {
      const entry = merged.get(name);
      if (!entry) throw new CheckpointTensorError(`no tensor named "${name}" in the model-parallel shards ${shards}.`);
      if (entry.axis === 'whole') return first.read(name, options);
      const { shape } = entry.info;
      const whole = new Float32Array(shape.reduce((product, size) => product * size, 1));
      // Rows: one slice after another. Columns: each slice's rows land side by side.
      const rows = shape[0] as number;
      const columns = shape.length === 2 ? (shape[1] as number) : 1;
      let offset = 0;
      for (const part of parts) {
        const slice = await part.read(name, options);
        if (entry.axis === 0) {
          whole.set(slice, offset * columns);
          offset += slice.length / columns;
        } else {
          const width = slice.length / rows;
          for (let row = 0; row < rows; row++)
            whole.set(slice.subarray(row * width, (row + 1) * width), row * columns + offset);
          offset += width;
        }
      }
      return whole;
    },
    async close() {
      await Promise.all(parts.map((part) => part.close()));
    },
  };
}
