import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../errors.js';
import { openCheckpoint } from './open-checkpoint.js';
import type { TensorToWrite } from './safetensors-writer.js';
import { writeTorchCheckpoint } from './torch-checkpoint-writer.js';

let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'aquila-formats-shards-'));
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

/** Distinct values, so that any misplaced element shows. */
const counting = (shape: number[], start: number): Float32Array =>
  Float32Array.from({ length: shape.reduce((product, size) => product * size, 1) }, (_, index) => start + index);

/** The `shard`-th of `count` slices of a row-major matrix along `axis` (what Meta's fairscale layers hold). */
function slice(values: Float32Array, shape: number[], axis: 0 | 1, shard: number, count: number): Float32Array {
  const [rows, columns] = shape as [number, number];
  if (axis === 0) return values.slice((shard * rows * columns) / count, ((shard + 1) * rows * columns) / count);
  const width = columns / count;
  const out = new Float32Array(rows * width);
  for (let row = 0; row < rows; row++)
    out.set(values.subarray(row * columns + shard * width, row * columns + (shard + 1) * width), row * width);
  return out;
}

/** A two-layer Meta checkpoint (hidden 4, FFN 6, vocabulary 10) as whole tensors and how Meta splits each. */
function metaTensors(embeddingAxis: 0 | 1): { name: string; shape: number[]; axis: 0 | 1 | 'whole' }[] {
  const layer = (index: number) => [
    { name: `layers.${index}.attention.wq.weight`, shape: [4, 4], axis: 0 as const },
    { name: `layers.${index}.attention.wk.weight`, shape: [2, 4], axis: 0 as const },
    { name: `layers.${index}.attention.wv.weight`, shape: [2, 4], axis: 0 as const },
    { name: `layers.${index}.attention.wo.weight`, shape: [4, 4], axis: 1 as const },
    { name: `layers.${index}.feed_forward.w1.weight`, shape: [6, 4], axis: 0 as const },
    { name: `layers.${index}.feed_forward.w2.weight`, shape: [4, 6], axis: 1 as const },
    { name: `layers.${index}.feed_forward.w3.weight`, shape: [6, 4], axis: 0 as const },
    { name: `layers.${index}.attention_norm.weight`, shape: [4], axis: 'whole' as const },
    { name: `layers.${index}.ffn_norm.weight`, shape: [4], axis: 'whole' as const },
  ];
  return [
    { name: 'tok_embeddings.weight', shape: [10, 4], axis: embeddingAxis },
    ...layer(0),
    ...layer(1),
    { name: 'norm.weight', shape: [4], axis: 'whole' },
    { name: 'output.weight', shape: [10, 4], axis: 0 },
    { name: 'rope.freqs', shape: [2], axis: 'whole' },
  ];
}

async function writeShards(
  name: string,
  embeddingAxis: 0 | 1,
  edit?: (shard: number, tensors: TensorToWrite[]) => void,
): Promise<{ folder: string; whole: Map<string, Float32Array> }> {
  const folder = join(workspace, name);
  await mkdir(folder);
  const layout = metaTensors(embeddingAxis);
  const whole = new Map(layout.map(({ name: tensor, shape }, index) => [tensor, counting(shape, index * 100)]));
  for (const shard of [0, 1]) {
    const tensors: TensorToWrite[] = layout.map(({ name: tensor, shape, axis }) => {
      const values = whole.get(tensor) as Float32Array;
      if (axis === 'whole') return { name: tensor, dtype: 'F32', shape, values };
      const sliceShape = shape.map((size, at) => (at === axis ? size / 2 : size));
      return { name: tensor, dtype: 'F32', shape: sliceShape, values: slice(values, shape, axis, shard, 2) };
    });
    edit?.(shard, tensors);
    await writeTorchCheckpoint({ path: join(folder, `consolidated.0${shard}.pth`), tensors });
  }
  return { folder, whole };
}

describe("Meta's model-parallel consolidated.NN.pth shards", () => {
  for (const [label, embeddingAxis] of [
    ['Llama 1/2: embedding split by columns', 1],
    ['Llama 3: embedding split by rows', 0],
  ] as const) {
    it(`read as whole tensors, joined along the axis Meta split each on (${label})`, async () => {
      const { folder, whole } = await writeShards(`two-shards-${embeddingAxis}`, embeddingAxis);
      const checkpoint = await openCheckpoint({ path: folder });
      try {
        expect(checkpoint.tensors.map((tensor) => tensor.name)).toEqual([...whole.keys()]);
        for (const { name, shape } of metaTensors(embeddingAxis)) {
          expect(checkpoint.get(name)?.shape, name).toEqual(shape);
          expect([...(await checkpoint.read(name))], name).toEqual([...(whole.get(name) as Float32Array)]);
        }
      } finally {
        await checkpoint.close();
      }
    });
  }

  it('refuse shards that do not fit together, and tensors outside the layout, naming the file and tensor', async () => {
    // wq's slices are [2, 4]: one of [1, 8] does not fit beside it (its rows may differ, not its columns).
    const mismatched = await writeShards('mismatched', 1, (shard, tensors) => {
      if (shard === 1) tensors[1] = { ...(tensors[1] as TensorToWrite), shape: [1, 8] };
    });
    const error = await openCheckpoint({ path: mismatched.folder }).catch((caught: unknown) => caught);
    expect(CheckpointFormatError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /consolidated\.01\.pth: tensor "layers\.0\.attention\.wq\.weight" is F32 \[1, 8\], but .*consolidated\.00\.pth holds it as F32 \[2, 4\], split along axis 0/,
    );
    const missing = await writeShards('missing', 1, (shard, tensors) => {
      if (shard === 1) tensors.pop();
    });
    await expect(openCheckpoint({ path: missing.folder })).rejects.toThrow(/tensor "rope\.freqs" is missing/);
    const unknown = await writeShards('unknown', 1, (_, tensors) => {
      tensors.push({ name: 'layers.0.attention.wq.bias', dtype: 'F32', shape: [2], values: Float32Array.of(1, 2) });
    });
    await expect(openCheckpoint({ path: unknown.folder })).rejects.toThrow(
      /tensor "layers\.0\.attention\.wq\.bias" \[2\] is not in Meta's LLaMA model-parallel layout/,
    );
  });
});
