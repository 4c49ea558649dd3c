import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelShape } from './checkpoint/model-config.js';
import type { WeightDtype } from './checkpoint/tensor-dtype.js';
import type { WeightNaming } from './checkpoint/weight-names.js';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { KeyValueCache } from './generation/key-value-cache.js';
import { OnnxDecoder } from './generation/onnx-decoder.js';
import { LanguageModel } from './language-model.js';
import { referenceForward } from './reference/reference-forward.js';
import { argmax, maxAbsoluteDifference, temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';

interface Case {
  label: string;
  shape: ModelShape;
  naming: WeightNaming;
  format: 'safetensors' | 'sharded-safetensors' | 'bin';
  dtype: WeightDtype;
}

const cases: Case[] = [
  { label: 'MHA, untied, HF names, safetensors F32', shape: tinyShapes.multiHead, naming: 'hf', format: 'safetensors', dtype: 'F32' },
  { label: 'GQA, tied, HF names, sharded safetensors BF16', shape: tinyShapes.groupedTied, naming: 'hf', format: 'sharded-safetensors', dtype: 'BF16' },
  { label: 'MHA, FlagAI names (interleaved RoPE), .bin F16', shape: tinyShapes.multiHead, naming: 'flagai', format: 'bin', dtype: 'F16' },
  { label: 'GQA, FlagAI names, .bin F32', shape: tinyShapes.groupedWide, naming: 'flagai', format: 'bin', dtype: 'F32' },
];

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('convert');
});
afterAll(async () => {
  await workspace.remove();
});

describe.each(cases)('convertCheckpoint fp32: $label', ({ label, shape, naming, format, dtype }) => {
  const slug = label.replace(/[^a-z0-9]+/gi, '-');
  let weights: Map<string, Float32Array>;
  let output: string;

  beforeAll(async () => {
    const checkpoint = join(workspace.path, `${slug}-checkpoint`);
    output = join(workspace.path, `${slug}-onnx`);
    weights = await writeRandomCheckpoint({ directory: checkpoint, shape, naming, format, dtype, seed: label.length });
    const progress: number[] = [];
    await convertCheckpoint({ checkpoint, output, onProgress: ({ done }) => progress.push(done) });
    expect(progress.at(-1)).toBe(4 + shape.layerCount * 6 + 1);
  });

  it('writes a self-contained folder', async () => {
    expect((await readdir(output)).sort()).toEqual(['aquila-config.json', 'model.onnx', 'model.onnx.data']);
  });

  it('matches the reference forward pass within 1e-4 at prefill and every decode step', async () => {
    const decoder = await OnnxDecoder.create({ modelPath: join(output, 'model.onnx'), shape });
    const cache = new KeyValueCache(shape.layerCount, shape.keyValueHeadCount, shape.headSize, shape.maxPositions);
    const tokens = [5, 17, 3, 42, 8, 1, 30];
    const prompt = tokens.slice(0, 4);
    const reference = referenceForward({ shape, weights, naming, tokens });
    const [prefill] = await decoder.step([{ tokenIds: prompt, pastLength: 0 }], cache, 0);
    expect(maxAbsoluteDifference(prefill as Float32Array, reference[3] as Float64Array)).toBeLessThan(1e-4);
    for (let position = 4; position < tokens.length; position++) {
      const [logits] = await decoder.step([{ tokenIds: [tokens[position] as number], pastLength: position }], cache, 0);
      expect(maxAbsoluteDifference(logits as Float32Array, reference[position] as Float64Array)).toBeLessThan(1e-4);
    }
    await decoder.release();
  });

  it('generates the same greedy tokens as the reference', async () => {
    const model = await LanguageModel.load({ path: output });
    const prompt = [7, 2, 11];
    const result = await model.generate({ promptIds: prompt, maxNewTokens: 8, stopTokenIds: [] });
    const sequence = [...prompt];
    for (let step = 0; step < 8; step++) sequence.push(argmax(referenceForward({ shape, weights, naming, tokens: sequence }).at(-1) as Float64Array));
    expect(result.tokenIds).toEqual(sequence.slice(prompt.length));
    expect(result.finishReason).toBe('length');
    await model.release();
  });
});
