import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { moduleCommand } from '@aquila/files';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { estimateCheckpointConversion, estimateConversion, estimateGeneration } from './memory-estimate.js';
import { aquila7bShape } from './test-support/aquila-7b-shape.js';
import { temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';
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
    // The converter holds one tensor at a time: the head (as large as the embedding), decoded, and its quantised copy,
    // beside the last layer's tensors the garbage collector may not have freed yet.
    expect(conversion.largestStep).toBe('output head');
    expect(conversion.peakBytes / gigabyte).toBeLessThan(3.5);
    expect(generation.contextLength).toBe(2048);
    expect(generation.cacheBytes).toBe(2 ** 31); // 2 GiB per full-context sequence in float32
    expect(generation.totalBytes / gigabyte).toBeLessThan(24);
    expect(generation.totalBytes / gigabyte).toBeGreaterThan(6);
  });

  it('bounds the measured peaks of the convert-memory bench (README) from above, by less than 15%', () => {
    // 2 layers of Aquila-7B width, BF16: measured 2461 MiB (fp32) and 2700 MiB (int4).
    const shape = { ...aquila7b, layerCount: 2 };
    const fp32 = estimateConversion({ shape, precision: 'fp32' }).peakBytes / mebibyte;
    const int4 = estimateConversion({ shape, precision: 'int4' }).peakBytes / mebibyte;
    for (const [estimate, measured] of [
      [fp32, 2461],
      [int4, 2700],
    ] as const) {
      expect(estimate).toBeGreaterThan(measured);
      expect(estimate / measured).toBeLessThan(1.15);
    }
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

  it("bounds a fresh process's peak RSS while it converts a sparse BF16 checkpoint to int4", async () => {
    // A quarter of Aquila-7B's widths, 2 layers, a 32,000-token vocabulary: the embedding and head (131 MB each as
    // float32) set the peak, and the last layer's tensors may still be held when the head is read.
    const shape = {
      ...aquila7b,
      vocabSize: 32000,
      hiddenSize: 1024,
      intermediateSize: 2752,
      headCount: 8,
      keyValueHeadCount: 8,
      layerCount: 2,
    };
    const checkpoint = join(workspace.path, 'quarter-width');
    await mkdir(checkpoint);
    await writeSparseCheckpoint(checkpoint, shape);
    const estimate = await estimateCheckpointConversion({ checkpoint, precision: 'int4', quantizeEmbedding: true });
    const command = moduleCommand({ from: import.meta.url, source: './test-support/convert-peak-child.ts' });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...command.execArgv, command.path, checkpoint, join(workspace.path, 'quarter-width-int4')],
      { timeout: 120_000 },
    );
    const { startRss, peak } = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
      startRss: number;
      peak: number;
    };
    expect(peak).toBeLessThan(estimate.conversion.peakBytes);
    // What the conversion added (the process's own start aside) is the bulk of what the estimate allows for it.
    expect(peak - startRss).toBeGreaterThan(0.5 * (estimate.conversion.peakBytes - 300 * mebibyte));
  }, 150_000);

  it("counts one shard's slice beside each whole tensor read from Meta's model-parallel shards", async () => {
    const one = estimateConversion({ shape: aquila7b, precision: 'int4' });
    const two = estimateConversion({ shape: aquila7b, precision: 'int4', modelParallelShards: 2 });
    expect(two.largestStep).toBe('output head');
    expect(two.peakBytes - one.peakBytes).toBe(aquila7b.vocabSize * aquila7b.hiddenSize * 2);
    const directory = join(workspace.path, 'meta-two-shards');
    const shape = tinyShapes.multiHead;
    await writeRandomCheckpoint({ directory, shape, naming: 'flagai', format: 'consolidated', modelParallel: 2 });
    const estimate = await estimateCheckpointConversion({ checkpoint: directory, precision: 'int4' });
    expect(estimate.conversion).toEqual(
      estimateConversion({ shape, precision: 'int4', sourceElementBytes: 4, modelParallelShards: 2 }),
    );
  });
});
