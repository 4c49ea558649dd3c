import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWeights } from '@aquila/formats';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertCheckpoint, LanguageModel, type ModelShape, type WeightPrecision } from '../../src/index.js';
import { writeRandomCheckpoint } from '../../src/testing.js';
import { leadingAgreement } from '../bench-support.js';
import { type GgmlType, ggmlTypes, quantizeGgmlBlocks } from './ggml-blocks.js';
import { loadLlamaCpp, openLlamaCppModel } from './llama-cpp-model.js';
import { writeLlamaGguf } from './write-llama-gguf.js';

/** The values ggml decodes from Q8_0 or Q4_0 blocks (`dequantize_row_q8_0` / `_q4_0`). */
function dequantize(bytes: Uint8Array, type: 'Q8_0' | 'Q4_0'): Float32Array {
  const { blockValues, blockBytes } = ggmlTypes[type];
  const out = new Float32Array((bytes.length / blockBytes) * blockValues);
  for (let block = 0; block < bytes.length / blockBytes; block++) {
    const base = block * blockBytes;
    const scale = decodeWeights(bytes.subarray(base, base + 2), 'F16')[0] as number;
    for (let index = 0; index < blockValues; index++) {
      const quant =
        type === 'Q8_0'
          ? ((bytes[base + 2 + index] as number) << 24) >> 24
          : (((bytes[base + 2 + (index % 16)] as number) >> (index < 16 ? 0 : 4)) & 0xf) - 8;
      out[block * blockValues + index] = quant * scale;
    }
  }
  return out;
}

describe('quantizeGgmlBlocks', () => {
  // -8, -7.5, …, 7.5: the largest magnitude is -8.
  const ramp = Float32Array.from({ length: 32 }, (_, index) => (index - 16) / 2);

  it('writes Q8_0 as ggml does: an fp16 scale amax / 127, then round(x / scale) as int8', () => {
    const bytes = quantizeGgmlBlocks({ values: ramp, type: 'Q8_0' });
    expect(bytes.length).toBe(34);
    expect(decodeWeights(bytes.subarray(0, 2), 'F16')[0]).toBeCloseTo(8 / 127, 4);
    const quants = Array.from(new Int8Array(bytes.buffer, 2, 32));
    expect(quants.slice(0, 3)).toEqual([-127, -119, -111]); // -8, -7.5 · 127/8 = -119.06, -7 · 127/8 = -111.1
    expect(quants[16]).toBe(0);
    expect(quants[17]).toBe(8); // 0.5 · 127/8 = 7.94
  });

  it('writes Q4_0 as ggml does: scale max / -8, nibbles trunc(x / scale + 8.5) capped at 15, halves in low and high nibbles', () => {
    const bytes = quantizeGgmlBlocks({ values: ramp, type: 'Q4_0' });
    expect(bytes.length).toBe(18);
    expect(decodeWeights(bytes.subarray(0, 2), 'F16')[0]).toBe(1); // -8 / -8
    // Byte j holds value j (low nibble) and value j + 16 (high): -8 → 0 with 0 → 8; -7.5 → 1 with 0.5 → 9 (trunc 9.0).
    expect(bytes[2]).toBe(0x80);
    expect(bytes[3]).toBe(0x91);
    expect(bytes[17]).toBe(0xf8); // -0.5 → 8 (trunc 8.0) with 7.5 → 16, capped at 15
    // A block whose largest value is positive gets a negative scale: that value comes back exactly.
    const positive = quantizeGgmlBlocks({ values: ramp.map((value) => -value), type: 'Q4_0' });
    expect(dequantize(positive, 'Q4_0')[0]).toBe(8);
  });

  // Half a step, plus the fp16 scale's rounding; Q4_0's top level is 7 steps where the extreme is negative, so a
  // positive value near it is clipped by up to one step.
  it('decodes every value to within a step of its block', () => {
    const values = Float32Array.from({ length: 256 }, (_, index) => Math.sin(index * 1.7) * (1 + (index % 5)));
    for (const [type, steps, tolerance] of [
      ['Q8_0', 127, 0.6],
      ['Q4_0', 8, 1.05],
    ] as const) {
      const decoded = dequantize(quantizeGgmlBlocks({ values, type }), type);
      for (let block = 0; block < 8; block++) {
        const slice = values.subarray(block * 32, block * 32 + 32);
        const step = Math.max(...slice.map(Math.abs)) / steps;
        for (let index = 0; index < 32; index++)
          expect(Math.abs((decoded[block * 32 + index] as number) - (slice[index] as number))).toBeLessThanOrEqual(
            step * tolerance,
          );
      }
    }
  });
});

// A small llama: two layers, grouped-query attention, a vocabulary llama.cpp's tokenizer accepts.
const shape: ModelShape = {
  vocabSize: 512,
  hiddenSize: 128,
  intermediateSize: 256,
  layerCount: 2,
  headCount: 4,
  keyValueHeadCount: 2,
  headSize: 32,
  rmsNormEpsilon: 1e-5,
  ropeTheta: 10000,
  maxPositions: 256,
  tiedEmbeddings: false,
};
const prompts = [
  [1, 300, 301, 302, 400, 17, 99],
  [1, 5, 6, 7],
];
const newTokens = 24;

let workspace: string;
let weights: Map<string, Float32Array>;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'aquila-llama-gguf-'));
  weights = await writeRandomCheckpoint({
    directory: join(workspace, 'checkpoint'),
    shape,
    naming: 'hf',
    format: 'safetensors',
    seed: 3,
  });
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

async function writeModel(type: GgmlType, modelWeights = weights): Promise<string> {
  const path = join(workspace, `${type}-${modelWeights === weights ? 'same' : 'dequantized'}.gguf`);
  await writeLlamaGguf({ path, shape, weights: modelWeights, type });
  return path;
}

describe('writeLlamaGguf', () => {
  it('writes a GGUF v3 that node-llama-cpp reads back: llama metadata, tensor names, shapes and types', async () => {
    const info = await readGgufFileInfo(await writeModel('Q8_0'));
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe('llama');
    expect(info.metadata.llama).toMatchObject({
      context_length: 256,
      embedding_length: 128,
      block_count: 2,
      feed_forward_length: 256,
      attention: { head_count: 4, head_count_kv: 2 },
      rope: { dimension_count: 32 },
    });
    expect(info.metadata.tokenizer.ggml.tokens).toHaveLength(512);
    const tensors = new Map(info.fullTensorInfo?.map((tensor) => [tensor.name, tensor]));
    expect(tensors.size).toBe(3 + 2 * 9);
    expect(tensors.get('token_embd.weight')).toMatchObject({ dimensions: [128, 512], ggmlType: 0 });
    expect(tensors.get('blk.1.attn_k.weight')).toMatchObject({ dimensions: [128, 64], ggmlType: 8 });
    expect(tensors.get('blk.0.ffn_down.weight')).toMatchObject({ dimensions: [256, 128], ggmlType: 8 });
    expect(tensors.get('output.weight')).toMatchObject({ dimensions: [128, 512], ggmlType: 8 });
  });
});

const loadLimit = 60_000;
const llama = await Promise.race([
  loadLlamaCpp().catch(() => undefined),
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), loadLimit).unref()),
]);
afterAll(() => llama?.dispose());

/** Our runtime's greedy continuations of `prompts` at a precision, batched as llama.cpp's are. */
async function ourTokens(precision: WeightPrecision): Promise<number[][]> {
  const output = join(workspace, precision);
  await convertCheckpoint({ checkpoint: join(workspace, 'checkpoint'), output, precision });
  const model = await LanguageModel.load({ path: output, maxBatchSize: prompts.length, threads: 1 });
  try {
    return await Promise.all(
      prompts.map(
        async (promptIds) => (await model.generate({ promptIds, maxNewTokens: newTokens, stopTokenIds: [] })).tokenIds,
      ),
    );
  } finally {
    await model.release();
  }
}

async function llamaCppTokens(path: string): Promise<number[][]> {
  if (!llama) throw new Error('node-llama-cpp did not load');
  // One thread: on a machine busier than its cores, llama.cpp's spinning thread barriers stall.
  const model = await openLlamaCppModel({ llama, path, batch: prompts.length, contextSize: 64, threads: 1 });
  try {
    return (await model.generate({ prompts, newTokens })).tokens;
  } finally {
    await model.dispose();
  }
}

describe.skipIf(llama === undefined)(
  "the same weights through llama.cpp [needs node-llama-cpp's prebuilt CPU binary, loaded within 60 s]",
  // Conversions and two engines per test: a shared 2-core machine can take a minute or two.
  { timeout: 180_000 },
  () => {
    it('continues greedily exactly as our runtime does from an F32 GGUF (fp32)', async () => {
      expect(await llamaCppTokens(await writeModel('F32'))).toEqual(await ourTokens('fp32'));
    });

    it('continues as our int8 from Q8_0 (both round weights to 8 bits per block of 32)', async () => {
      const [ours, theirs] = [await ourTokens('int8'), await llamaCppTokens(await writeModel('Q8_0'))];
      for (const [index, tokens] of ours.entries())
        expect(leadingAgreement(tokens, theirs[index] ?? [])).toBeGreaterThanOrEqual(16);
    });

    it('reads Q4_0 as the values it encodes: as an F32 GGUF of those values, and near our int4 (another 4-bit rounding)', async () => {
      const dequantized = new Map(
        [...weights].map(([name, values]) => [
          name,
          // Embedding and norms stay F32 in the file; every other matrix is Q4_0.
          name.endsWith('embed_tokens.weight') || name.includes('norm')
            ? values
            : dequantize(quantizeGgmlBlocks({ values, type: 'Q4_0' }), 'Q4_0'),
        ]),
      );
      const quantized = await llamaCppTokens(await writeModel('Q4_0'));
      const reference = await llamaCppTokens(await writeModel('F32', dequantized));
      for (const [index, tokens] of quantized.entries())
        expect(leadingAgreement(tokens, reference[index] ?? [])).toBeGreaterThanOrEqual(16);
      const ours = await ourTokens('int4');
      for (const [index, tokens] of quantized.entries())
        expect(leadingAgreement(tokens, ours[index] ?? [])).toBeGreaterThanOrEqual(4);
    });
  },
);
