import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { embeddingLookup } from './embedding-lookup.js';
import { encodeOnnxModel } from './onnx-model.js';
import { dequantizeBlockwise, quantizeBlockwise } from './quantize-blockwise.js';

const vocabSize = 5;
const hiddenSize = 64;
const blockSize = 32;
const table = Float32Array.from({ length: vocabSize * hiddenSize }, (_, index) => Math.sin(index * 0.37) * 2);
const ids = [3, 0, 4, 3];

const raw = (values: ArrayBufferView) => ({
  raw: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
});

/** Runs the lookup of `ids` in onnxruntime-node's CPU provider. */
async function lookUp(weights: Parameters<typeof embeddingLookup>[0]['weights']): Promise<Float32Array> {
  const { nodes, initializers } = embeddingLookup({
    weights,
    vocabSize,
    hiddenSize,
    blockSize,
    inputIds: 'ids',
    output: 'rows',
  });
  const model = encodeOnnxModel({
    name: 'embedding',
    nodes,
    initializers,
    inputs: [{ name: 'ids', elementType: 'int64', shape: [1, ids.length] }],
    outputs: [{ name: 'rows', elementType: 'float32', shape: [1, ids.length, hiddenSize] }],
  });
  const session = await ort.InferenceSession.create(model);
  const output = await session.run({
    ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
  });
  await session.release();
  return output.rows?.data as Float32Array;
}

const rowsOf = (values: Float32Array): number[] =>
  ids.flatMap((id) => Array.from(values.subarray(id * hiddenSize, (id + 1) * hiddenSize)));

describe('embeddingLookup on onnxruntime-node 1.30 (CPU)', () => {
  it.each([8, 4] as const)(
    'GatherBlockQuantized reads int%i rows in the MatMulNBits layout exactly as they dequantise',
    async (bits) => {
      const options = { rows: vocabSize, columns: hiddenSize, bits, blockSize };
      const quantized = quantizeBlockwise({ weights: table, ...options });
      const rows = await lookUp({
        kind: 'quantized',
        bits,
        packed: raw(quantized.packed),
        scales: raw(quantized.scales),
      });
      expect(Array.from(rows)).toEqual(rowsOf(dequantizeBlockwise(quantized, options)));
    },
  );

  it('gathers float16 rows and widens only them, and float32 rows as they are', async () => {
    const { encodeWeights, decodeWeights } = await import('@aquila/formats');
    const half = encodeWeights(table, 'F16');
    expect(Array.from(await lookUp({ kind: 'half', data: { raw: half } }))).toEqual(rowsOf(decodeWeights(half, 'F16')));
    expect(Array.from(await lookUp({ kind: 'float', data: raw(table) }))).toEqual(rowsOf(table));
  });
});
