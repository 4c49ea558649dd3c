import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelShape } from './checkpoint/model-config.js';
import { layerWeightName, layerWeights, modelWeightName } from './checkpoint/weight-names.js';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { LanguageModel } from './language-model.js';
import { estimateWeightsFileBytes } from './memory-estimate.js';
import { dequantizeBlockwise, quantizeBlockwise } from './onnx/quantize-blockwise.js';
import { referenceForward } from './reference/reference-forward.js';
import { modelLogits } from './test-support/model-logits.js';
import { argmax, maxAbsoluteDifference, temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';

const tokens = [4, 9, 33, 2, 61, 17, 8, 40, 12, 5];
const promptLength = 4;

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('precision');
});
afterAll(async () => {
  await workspace.remove();
});

/** Greedy continuation of `prompt` by the converted model and by the reference on `weights`. */
async function greedyBoth(
  directory: string,
  shape: ModelShape,
  weights: ReadonlyMap<string, Float32Array>,
): Promise<{ model: number[]; reference: number[] }> {
  const prompt = [7, 2, 11];
  const model = await LanguageModel.load({ path: directory, tokenizer: null });
  const result = await model.generate({ promptIds: prompt, maxNewTokens: 8, stopTokenIds: [] });
  await model.release();
  const sequence = [...prompt];
  for (let step = 0; step < 8; step++)
    sequence.push(argmax(referenceForward({ shape, weights, naming: 'hf', tokens: sequence }).at(-1) as Float64Array));
  return { model: result.tokenIds, reference: sequence.slice(prompt.length) };
}

/** The converted model's logits equal the reference on `weights` within 1e-4, and so do greedy continuations. */
async function expectReference(
  directory: string,
  shape: ModelShape,
  weights: ReadonlyMap<string, Float32Array>,
): Promise<void> {
  const reference = referenceForward({ shape, weights, naming: 'hf', tokens });
  (await modelLogits({ directory, shape, tokens, promptLength })).forEach((row, index) =>
    expect(maxAbsoluteDifference(row, reference[promptLength - 1 + index] as Float64Array)).toBeLessThan(1e-4),
  );
  const { model, reference: expected } = await greedyBoth(directory, shape, weights);
  expect(model).toEqual(expected);
}

describe('fp16 weights', () => {
  const shape = tinyShapes.groupedWide;
  let weights: Map<string, Float32Array>;
  const checkpoint = () => join(workspace.path, 'fp16-checkpoint');

  beforeAll(async () => {
    // F16 values: exact in float16, so the fp16 file holds the very weights the reference uses.
    weights = await writeRandomCheckpoint({
      directory: checkpoint(),
      shape,
      naming: 'hf',
      format: 'safetensors',
      dtype: 'F16',
      seed: 4,
    });
  });

  it('computes the float reference (within 1e-4) and its greedy continuation, from a file half the size of fp32', async () => {
    const fp16 = join(workspace.path, 'fp16');
    const fp32 = join(workspace.path, 'fp16-as-fp32');
    const config = await convertCheckpoint({ checkpoint: checkpoint(), output: fp16, precision: 'fp16' });
    await convertCheckpoint({ checkpoint: checkpoint(), output: fp32 });
    expect(config.precision).toBe('fp16');
    expect(config.blockSize).toBeUndefined();
    await expectReference(fp16, shape, weights);
    const fp16Bytes = (await stat(join(fp16, 'model.onnx.data'))).size;
    const fp32Bytes = (await stat(join(fp32, 'model.onnx.data'))).size;
    // Norms and rotary tables stay float32; every matrix, the embedding included, is half.
    expect(fp16Bytes / fp32Bytes).toBeGreaterThan(0.5);
    expect(fp16Bytes / fp32Bytes).toBeLessThan(0.55);
    expect(Math.abs(fp16Bytes - estimateWeightsFileBytes({ shape, precision: 'fp16' }))).toBeLessThan(64 * 40);
  });
});

describe('fp16 KV cache', () => {
  const shape = tinyShapes.groupedWide;

  it('halves the cache and stays within float16 rounding of the float reference, with the same greedy tokens', async () => {
    const checkpoint = join(workspace.path, 'fp16-cache-checkpoint');
    const weights = await writeRandomCheckpoint({
      directory: checkpoint,
      shape,
      naming: 'hf',
      format: 'safetensors',
      seed: 6,
    });
    const output = join(workspace.path, 'fp16-cache');
    const config = await convertCheckpoint({ checkpoint, output, cachePrecision: 'fp16' });
    expect(config.cachePrecision).toBe('fp16');
    const logits = await modelLogits({ directory: output, shape, tokens, promptLength, cachePrecision: 'fp16' });
    const reference = referenceForward({ shape, weights, naming: 'hf', tokens }).slice(promptLength - 1);
    const spread = Math.max(...reference.map((row) => Math.max(...row) - Math.min(...row)));
    // Cached keys and values keep 11 significant bits: the logits move by well under 1% of their spread.
    const worst = Math.max(...logits.map((row, index) => maxAbsoluteDifference(row, reference[index] as Float64Array)));
    expect(worst / spread).toBeLessThan(0.01);
    const { model, reference: expected } = await greedyBoth(output, shape, weights);
    expect(model).toEqual(expected);
  });

  it('refuses fp16 for the present-outputs layout', async () => {
    await expect(
      convertCheckpoint({
        checkpoint: join(workspace.path, 'fp16-cache-checkpoint'),
        output: join(workspace.path, 'fp16-cache-present'),
        cachePrecision: 'fp16',
        cacheLayout: 'present-outputs',
      }),
    ).rejects.toThrow(/present-outputs graphs keep a float32 cache/);
  });
});

/** `weights` with every matrix (the embedding too) replaced by its int`bits` quantise-dequantise round trip. */
function dequantizedMatrices(
  weights: ReadonlyMap<string, Float32Array>,
  shape: ModelShape,
  bits: 4 | 8,
): Map<string, Float32Array> {
  const out = new Map(weights);
  const inputs: Partial<Record<string, number>> = {
    attentionOutput: shape.headCount * shape.headSize,
    down: shape.intermediateSize,
  };
  const names: [string, number][] = [
    [modelWeightName('hf', 'embedding'), shape.hiddenSize],
    ...(shape.tiedEmbeddings
      ? []
      : [[modelWeightName('hf', 'languageModelHead'), shape.hiddenSize] as [string, number]]),
  ];
  for (let layer = 0; layer < shape.layerCount; layer++)
    for (const weight of layerWeights.filter((name) => !name.endsWith('Norm')))
      names.push([layerWeightName('hf', layer, weight), inputs[weight] ?? shape.hiddenSize]);
  for (const [name, columns] of names) {
    const values = weights.get(name) as Float32Array;
    const options = { rows: values.length / columns, columns, bits, blockSize: 32 };
    out.set(name, dequantizeBlockwise(quantizeBlockwise({ weights: values, ...options }), options));
  }
  return out;
}

describe.each([
  { bits: 8, shape: tinyShapes.groupedTied, label: 'tied' },
  { bits: 4, shape: tinyShapes.groupedTied, label: 'tied' },
  { bits: 4, shape: tinyShapes.multiHead, label: 'untied' },
] as const)('int$bits embedding ($label, GatherBlockQuantized)', ({ bits, shape, label }) => {
  const precision = bits === 8 ? 'int8' : 'int4';
  const slug = `${precision}-${label}`;
  let weights: Map<string, Float32Array>;

  beforeAll(async () => {
    weights = await writeRandomCheckpoint({
      directory: join(workspace.path, `${slug}-checkpoint`),
      shape,
      naming: 'hf',
      format: 'safetensors',
      seed: 9,
    });
  });

  it('computes exactly with the dequantised embedding and matrices at accuracy level 0, in a smaller file', async () => {
    const checkpoint = join(workspace.path, `${slug}-checkpoint`);
    const output = join(workspace.path, slug);
    const floatEmbedding = join(workspace.path, `${slug}-float-embedding`);
    const config = await convertCheckpoint({
      checkpoint,
      output,
      precision,
      accuracyLevel: 0,
      quantizeEmbedding: true,
    });
    await convertCheckpoint({ checkpoint, output: floatEmbedding, precision, accuracyLevel: 0 });
    expect(config.quantizedEmbedding).toBe(true);
    const dequantized = dequantizedMatrices(weights, shape, bits);
    await expectReference(output, shape, dequantized);
    const bytes = (await stat(join(output, 'model.onnx.data'))).size;
    const floatBytes = (await stat(join(floatEmbedding, 'model.onnx.data'))).size;
    // A float32 embedding of vocab × hidden becomes bits/8 bytes per value plus a scale per 32.
    const embedding = shape.vocabSize * shape.hiddenSize;
    const saved = embedding * 4 - (shape.tiedEmbeddings ? 0 : embedding * (bits / 8 + 4 / 32));
    expect(Math.abs(floatBytes - bytes - saved)).toBeLessThan(64 * 4);
    const estimate = estimateWeightsFileBytes({ shape, precision, quantizeEmbedding: true });
    expect(Math.abs(bytes - estimate)).toBeLessThan(64 * 40);
  });
});
