// Decode-step time and cache memory with a float32 and a float16 KV cache (convertCheckpoint's cachePrecision),
// on one random int4 model, at batch 1 and 4 and a context of 256 and 1024 tokens.
// Run: pnpm --filter @aquila/runtime exec tsx bench/cache-precision.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomCheckpoint } from '../src/checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from '../src/convert-checkpoint.js';
import { type CachePrecision, KeyValueCache } from '../src/generation/key-value-cache.js';
import { OnnxDecoder } from '../src/generation/onnx-decoder.js';
import type { ModelShape } from '../src/index.js';

const shape: ModelShape = {
  vocabSize: 32000,
  hiddenSize: 1024,
  intermediateSize: 2816,
  layerCount: 8,
  headCount: 16,
  keyValueHeadCount: 16,
  headSize: 64,
  rmsNormEpsilon: 1e-5,
  ropeTheta: 10000,
  maxPositions: 2048,
  tiedEmbeddings: false,
};
const decodeSteps = 24;

async function measure(directory: string, precision: CachePrecision, batch: number, context: number) {
  const decoder = await OnnxDecoder.create({ modelPath: join(directory, 'model.onnx'), shape });
  const cache = new KeyValueCache(
    shape.layerCount,
    shape.keyValueHeadCount,
    shape.headSize,
    shape.maxPositions,
    precision,
  );
  const prompt = Array.from({ length: context }, (_, index) => (index * 7919) % shape.vocabSize);
  for (let slot = 0; slot < batch; slot++)
    for (let start = 0; start < context; start += 256)
      await decoder.step([{ tokenIds: prompt.slice(start, start + 256), pastLength: start }], cache, slot, {
        logits: false,
      });
  const times: number[] = [];
  for (let step = 0; step < decodeSteps; step++) {
    const rows = Array.from({ length: batch }, () => ({ tokenIds: [step + 1], pastLength: context + step }));
    const started = performance.now();
    await decoder.step(rows, cache, 0, { logits: false });
    times.push(performance.now() - started);
  }
  await decoder.release();
  times.sort((left, right) => left - right);
  const cacheBytes =
    2 *
    shape.layerCount *
    batch *
    shape.keyValueHeadCount *
    shape.headSize *
    cache.capacity *
    (precision === 'fp16' ? 2 : 4);
  return { median: times[Math.floor(times.length / 2)] as number, cacheBytes };
}

const workspace = await mkdtemp(join(tmpdir(), 'aquila-runtime-cache-bench-'));
try {
  const checkpoint = join(workspace, 'checkpoint');
  await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format: 'safetensors', seed: 2 });
  for (const precision of ['fp32', 'fp16'] as const)
    await convertCheckpoint({
      checkpoint,
      output: join(workspace, precision),
      precision: 'int4',
      cachePrecision: precision,
    });
  process.stdout.write(
    '| batch | context | fp32 cache ms/step | fp16 cache ms/step | fp16 / fp32 time | fp32 cache MiB | fp16 cache MiB |\n',
  );
  process.stdout.write(
    '| ----- | ------- | ------------------ | ------------------ | ---------------- | -------------- | -------------- |\n',
  );
  for (const batch of [1, 4])
    for (const context of [256, 1024]) {
      const fp32 = await measure(join(workspace, 'fp32'), 'fp32', batch, context);
      const fp16 = await measure(join(workspace, 'fp16'), 'fp16', batch, context);
      process.stdout.write(
        `| ${batch} | ${context} | ${fp32.median.toFixed(1)} | ${fp16.median.toFixed(1)} | ${(fp16.median / fp32.median).toFixed(2)} | ${(fp32.cacheBytes / 2 ** 20).toFixed(0)} | ${(fp16.cacheBytes / 2 ** 20).toFixed(0)} |\n`,
      );
    }
} finally {
  await rm(workspace, { recursive: true, force: true });
}
