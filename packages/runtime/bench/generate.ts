// Generation throughput of @aquila/runtime on a ~120M-parameter random LLaMA-shaped model with Aquila's
// vocabulary (100,008), fp32/int8/int4, batch 1 and 4, against the memory-bandwidth limit measured here.
// Run: pnpm --filter @aquila/runtime bench
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { LanguageModel, writeRandomCheckpoint, type ModelShape, type WeightPrecision } from '../src/index.js';
import { encodeOnnxModel } from '../src/onnx/onnx-model.js';

const shape: ModelShape = {
  vocabSize: 100008,
  hiddenSize: 512,
  intermediateSize: 1408,
  layerCount: 6,
  headCount: 8,
  keyValueHeadCount: 8,
  headSize: 64,
  rmsNormEpsilon: 1e-5,
  ropeTheta: 10000,
  maxPositions: 2048,
  tiedEmbeddings: false,
};
const promptLength = 32;
const newTokens = 64;
const repeats = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Read bandwidth as a decode step sees it: onnxruntime's MatMul of a 512 MiB float matrix by a vector
 * (GEMV, the shape of batch-1 decoding; inputs are zero-copy), with the session's default threads, best of 5.
 */
async function measureBandwidth(): Promise<number> {
  const rows = 32768;
  const columns = 4096;
  const model = encodeOnnxModel({
    name: 'bandwidth',
    nodes: [{ opType: 'MatMul', name: 'gemv', inputs: ['matrix', 'vector'], outputs: ['product'] }],
    initializers: [],
    inputs: [
      { name: 'matrix', elementType: 'float32', shape: [rows, columns] },
      { name: 'vector', elementType: 'float32', shape: [columns, 1] },
    ],
    outputs: [{ name: 'product', elementType: 'float32', shape: [rows, 1] }],
  });
  const session = await ort.InferenceSession.create(model);
  const feeds = {
    matrix: new ort.Tensor('float32', new Float32Array(rows * columns).fill(1), [rows, columns]),
    vector: new ort.Tensor('float32', new Float32Array(columns).fill(1), [columns, 1]),
  };
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    await session.run(feeds);
    best = Math.min(best, performance.now() - started);
  }
  await session.release();
  return (rows * columns * 4) / (best / 1000);
}

/** Bytes of weights one decode step reads: every projection (and scales), one embedding row, the norms. */
function weightBytesPerToken(precision: WeightPrecision): number {
  const { hiddenSize: hidden, intermediateSize: intermediate, vocabSize, layerCount } = shape;
  const kv = shape.keyValueHeadCount * shape.headSize;
  const projections = layerCount * (hidden * (hidden + 2 * kv) + hidden * hidden + 3 * hidden * intermediate) + vocabSize * hidden;
  const bytesPerWeight = precision === 'fp32' ? 4 : (precision === 'int8' ? 1 : 0.5) + 4 / 32;
  return projections * bytesPerWeight + hidden * 4 + (2 * layerCount + 1) * hidden * 4;
}

interface Row {
  precision: WeightPrecision;
  batch: number;
  prefill: number;
  decode: number;
  /** The best repeat: on a shared machine the closest to what the hardware allows. */
  bestDecode: number;
}

async function measure(directory: string, precision: WeightPrecision, batch: number): Promise<Row> {
  const model = await LanguageModel.load({ path: directory, maxBatchSize: batch });
  const prompt = (offset: number) => Array.from({ length: promptLength }, (_, index) => 1000 + ((index * 7919 + offset * 104729) % 90000));
  const prefills: number[] = [];
  const decodes: number[] = [];
  for (let repeat = 0; repeat <= repeats; repeat++) {
    // Each request: time to its first token = its prefill; after every request has its first token, the
    // shared decode steps produce the rest.
    const started = performance.now();
    const firstTokenTimes: number[] = [];
    let decoded = 0;
    const runs = Array.from({ length: batch }, async (_, index) => {
      let first = true;
      for await (const event of model.stream({ promptIds: prompt(index + repeat), maxNewTokens: newTokens, stopTokenIds: [] })) {
        if (event.type !== 'token-delta') continue;
        if (first) firstTokenTimes.push(performance.now());
        else decoded += 1;
        first = false;
      }
    });
    await Promise.all(runs);
    const ended = performance.now();
    if (repeat === 0) continue; // warm-up
    const lastFirst = Math.max(...firstTokenTimes);
    prefills.push((batch * promptLength) / ((lastFirst - started) / 1000));
    decodes.push(decoded / ((ended - lastFirst) / 1000));
  }
  await model.release();
  return { precision, batch, prefill: median(prefills), decode: median(decodes), bestDecode: Math.max(...decodes) };
}

async function main(): Promise<void> {
  const workspace = await mkdtemp(join(tmpdir(), 'aquila-runtime-bench-'));
  try {
    const checkpoint = join(workspace, 'checkpoint');
    await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format: 'safetensors', seed: 1 });
    const checkpointBytes = (await stat(join(checkpoint, 'model.safetensors'))).size;
    const bandwidth = await measureBandwidth();
    const rows: Row[] = [];
    const peaks: Record<string, number> = {};
    for (const precision of ['fp32', 'int8', 'int4'] as const) {
      const output = join(workspace, precision);
      // Convert in a fresh process, so that its peak RSS is the converter's alone.
      const child = fileURLToPath(new URL('./convert-child.ts', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, checkpoint, output, precision]);
      peaks[precision] = Number(stdout.trim());
      for (const batch of [1, 4]) rows.push(await measure(output, precision, batch));
    }
    const parameters = shape.vocabSize * shape.hiddenSize * 2 + shape.layerCount * (4 * shape.hiddenSize ** 2 + 3 * shape.hiddenSize * shape.intermediateSize);
    process.stdout.write(
      `\n@aquila/runtime generate bench: ${(parameters / 1e6).toFixed(0)}M params (vocab ${shape.vocabSize}, ${shape.layerCount}×${shape.hiddenSize}), prompt ${promptLength}, ${newTokens} new tokens, median of ${repeats}\n` +
        `measured read bandwidth (onnxruntime GEMV over 512 MiB): ${(bandwidth / 1e9).toFixed(1)} GB/s; load average ${loadavg().map((load) => load.toFixed(1)).join(' ')} (timings on a shared machine are noisy)\n` +
        `checkpoint: ${(checkpointBytes / 2 ** 20).toFixed(0)} MiB of fp32 safetensors; "convert peak RSS" is the converting process's whole peak\n` +
        `peer: transformers.js not run (its dependency protobufjs has a postinstall script that needs an allowBuilds entry)\n\n`,
    );
    const header = ['precision', 'batch', 'prefill tok/s', 'decode tok/s', 'best decode', 'MB read/token', 'limit tok/s', 'share (median/best)', 'convert peak RSS'];
    const table = rows.map((row) => {
      const bytes = weightBytesPerToken(row.precision);
      const limit = (bandwidth / bytes) * row.batch; // one weight read serves the whole batch
      return [row.precision, String(row.batch), row.prefill.toFixed(0), row.decode.toFixed(1), row.bestDecode.toFixed(1), (bytes / 1e6).toFixed(0), limit.toFixed(0), `${((row.decode / limit) * 100).toFixed(0)}% / ${((row.bestDecode / limit) * 100).toFixed(0)}%`, `${((peaks[row.precision] ?? 0) / 2 ** 20).toFixed(0)} MiB`];
    });
    const widths = header.map((title, column) => Math.max(title.length, ...table.map((cells) => (cells[column] as string).length)));
    const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padStart(widths[column] as number)).join(' | ')} |\n`;
    process.stdout.write(line(header) + `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n` + table.map(line).join(''));
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

await main();
