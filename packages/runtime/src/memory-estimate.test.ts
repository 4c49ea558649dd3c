import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateCheckpointConversion, estimateConversion, estimateGeneration } from './memory-estimate.js';
import { aquila7bShape } from './test-support/aquila-7b-shape.js';
import { temporaryDirectory } from './test-support/tiny-models.js';
import { writeSparseCheckpoint } from './test-support/write-sparse-checkpoint.js';

const aquila7b = aquila7bShape;

const gigabyte = 1e9;
const mebibyte = 2 ** 20;

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('memory-estimate');
});
afterAll(async () => {
  await workspace.remove();
});

describe('memory estimates', () => {
  it('reports a 7B-shaped int4 conversion, and generating from it, under 24 GB, from the headers alone', async () => {
    const checkpointBytes = await writeSparseCheckpoint(workspace.path, aquila7b);
    expect(checkpointBytes / gigabyte).toBeCloseTo(14.6, 1);
    const estimate = await estimateCheckpointConversion({
      checkpoint: workspace.path,
      precision: 'int4',
      quantizeEmbedding: true,
      batchSize: 1,
    });
    expect(estimate.shape).toMatchObject({ layerCount: 32, vocabSize: 100008 });
    const { conversion, generation } = estimate;
    // 7.3B matrix values (the embedding among them) at 4 bits plus a float32 scale per 32: 0.625 bytes each.
    expect(conversion.outputBytes / gigabyte).toBeGreaterThan(4.4);
    expect(conversion.outputBytes / gigabyte).toBeLessThan(4.7);
    // The converter holds one tensor at a time: the BF16 embedding (as large as the head), read and decoded, and its quantised copy.
    expect(conversion.largestStep).toBe('embedding');
    expect(conversion.peakBytes / gigabyte).toBeLessThan(3.5);
    expect(generation.contextLength).toBe(2048);
    expect(generation.cacheBytes).toBe(2 ** 31); // 2 GiB per full-context sequence in float32
    expect(generation.totalBytes / gigabyte).toBeLessThan(24);
    expect(generation.totalBytes / gigabyte).toBeGreaterThan(6);
  });

  it('matches the measured peaks of the convert-memory bench (README) within 5%', () => {
    // 2 layers of Aquila-7B width, BF16: measured 2633 MiB (fp32) and 2894 MiB (int4).
    const shape = { ...aquila7b, layerCount: 2 };
    const fp32 = estimateConversion({ shape, precision: 'fp32' }).peakBytes / mebibyte;
    const int4 = estimateConversion({ shape, precision: 'int4' }).peakBytes / mebibyte;
    expect(Math.abs(fp32 / 2633 - 1)).toBeLessThan(0.05);
    expect(Math.abs(int4 / 2894 - 1)).toBeLessThan(0.05);
  });

  it('sizes the KV cache by batch, context and precision, and fp16 weights as onnxruntime holds them', () => {
    const fp32 = estimateGeneration({ shape: aquila7b, precision: 'fp32' });
    expect(fp32.batchSize).toBe(8);
    expect(fp32.cacheBytes).toBe(16 * 2 ** 30); // 16 GiB at the default batch of 8
    expect(estimateGeneration({ shape: aquila7b, precision: 'fp32', cachePrecision: 'fp16' }).cacheBytes).toBe(
      8 * 2 ** 30,
    );
    expect(
      estimateGeneration({ shape: aquila7b, precision: 'int4', batchSize: 2, contextLength: 512 }).cacheBytes,
    ).toBe(2 ** 30);
    // fp16 files are half of fp32's, but the CPU provider widens the matrices at load: only the embedding stays half.
    const fp16 = estimateGeneration({ shape: aquila7b, precision: 'fp16' });
    const embedding = aquila7b.vocabSize * aquila7b.hiddenSize;
    expect(fp32.weightBytes - fp16.weightBytes).toBe(embedding * 2);
    expect(estimateConversion({ shape: aquila7b, precision: 'fp16' }).outputBytes / gigabyte).toBeCloseTo(14.6, 1);
  });
});
