// Generation throughput of @aquila/runtime on a ~120M-parameter random LLaMA-shaped model with Aquila's
// vocabulary (100,008), fp32/int8/int4, batch 1 and 4, against the memory-bandwidth limit measured here.
// Run: pnpm --filter @aquila/runtime bench
import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { convertCheckpoint, LanguageModel, writeRandomCheckpoint, type ModelShape, type WeightPrecision } from '../src/index.js';
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
/** What the bench uses of transformers.js (loaded only when installed: it is not a dependency, see the README). */
interface TransformersJs {
  AutoModelForCausalLM: { from_pretrained(name: string, options: Record<string, unknown>): Promise<{ generate(options: Record<string, unknown>): Promise<unknown>; dispose(): Promise<void> }> };
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => unknown;
  env: { allowRemoteModels: boolean; localModelPath: string };
}

async function loadTransformersJs(): Promise<TransformersJs | undefined> {
  const specifier = '@huggingface/transformers';
  return (await import(specifier).catch(() => undefined)) as TransformersJs | undefined;
}

/** transformers.js's file names per precision (its `dtype` option picks the file). */
const peerFiles = { fp32: ['fp32', 'model'], int8: ['q8', 'model_quantized'], int4: ['q4', 'model_q4'] } as const;

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
  /** New tokens over the whole request time (prefill included): the number compared with the peer. */
  endToEnd: number;
  /** The greedy tokens of the first prompt (warm-up run), to check the peer gives the same. */
  firstTokens: number[];
  peer?: number;
  peerAgrees?: boolean;
}

async function measure(directory: string, precision: WeightPrecision, batch: number, peer?: PeerRunner): Promise<Row> {
  const model = await LanguageModel.load({ path: directory, maxBatchSize: batch });
  const prefills: number[] = [];
  const decodes: number[] = [];
  const endToEnd: number[] = [];
  const firstTokens: number[] = [];
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
        if (repeat === 0 && index === 0) firstTokens.push(event.tokenId);
        if (first) firstTokenTimes.push(performance.now());
        else decoded += 1;
        first = false;
      }
    });
    await Promise.all(runs);
    const ended = performance.now();
    // The peer's repeat right after ours: both see the same machine load.
    await peer?.run(repeat);
    if (repeat === 0) continue; // warm-up
    const lastFirst = Math.max(...firstTokenTimes);
    prefills.push((batch * promptLength) / ((lastFirst - started) / 1000));
    endToEnd.push((batch * newTokens) / ((ended - started) / 1000));
    decodes.push(decoded / ((ended - lastFirst) / 1000));
  }
  await model.release();
  const peerResult = peer?.result();
  return {
    precision,
    batch,
    prefill: median(prefills),
    decode: median(decodes),
    bestDecode: Math.max(...decodes),
    endToEnd: median(endToEnd),
    firstTokens,
    ...(peerResult ? { peer: peerResult.rate, peerAgrees: peerResult.firstTokens.join() === firstTokens.join() } : {}),
  };
}

const prompt = (offset: number) => Array.from({ length: promptLength }, (_, index) => 1000 + ((index * 7919 + offset * 104729) % 90000));

interface PeerRunner {
  /** One generation of the batch; repeat 0 is the warm-up. */
  run(repeat: number): Promise<void>;
  /** End to end (prompt + greedy new tokens) tokens/s, median over the repeats, and the first prompt's tokens. */
  result(): { rate: number; firstTokens: number[] };
  dispose(): Promise<void>;
}

/** transformers.js on the same weights, run one repeat at a time so that its repeats interleave with ours. */
async function openPeer(peer: TransformersJs, directory: string, precision: WeightPrecision, batch: number): Promise<PeerRunner> {
  const [dtype] = peerFiles[precision];
  peer.env.allowRemoteModels = false;
  peer.env.localModelPath = directory;
  const model = await peer.AutoModelForCausalLM.from_pretrained('peer', { dtype, device: 'cpu', use_external_data_format: true, local_files_only: true });
  const rates: number[] = [];
  let firstTokens: number[] = [];
  return {
    async run(repeat) {
      const ids = Array.from({ length: batch }, (_, index) => prompt(index + repeat)).flat();
      const started = performance.now();
      const output = await model.generate({
        input_ids: new peer.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [batch, promptLength]),
        attention_mask: new peer.Tensor('int64', new BigInt64Array(batch * promptLength).fill(1n), [batch, promptLength]),
        max_new_tokens: newTokens,
        min_new_tokens: newTokens,
        do_sample: false,
      });
      if (repeat > 0) rates.push((batch * newTokens) / ((performance.now() - started) / 1000));
      // Row 0 of the output: the prompt, then the new tokens.
      else firstTokens = Array.from((output as { data: BigInt64Array }).data.subarray(promptLength, promptLength + newTokens), Number);
    },
    result: () => ({ rate: median(rates), firstTokens }),
    dispose: () => model.dispose(),
  };
}

async function main(): Promise<void> {
  const workspace = await mkdtemp(join(tmpdir(), 'aquila-runtime-bench-'));
  try {
    const checkpoint = join(workspace, 'checkpoint');
    await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format: 'safetensors', seed: 1 });
    const checkpointBytes = (await stat(join(checkpoint, 'model.safetensors'))).size;
    const bandwidth = await measureBandwidth();
    const peer = await loadTransformersJs();
    const peerConfig = {
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      hidden_size: shape.hiddenSize,
      intermediate_size: shape.intermediateSize,
      num_hidden_layers: shape.layerCount,
      num_attention_heads: shape.headCount,
      num_key_value_heads: shape.keyValueHeadCount,
      head_dim: shape.headSize,
      vocab_size: shape.vocabSize,
      max_position_embeddings: shape.maxPositions,
      bos_token_id: 100006,
      eos_token_id: 100007,
    };
    const rows: Row[] = [];
    const peaks: Record<string, number> = {};
    for (const precision of ['fp32', 'int8', 'int4'] as const) {
      const output = join(workspace, precision);
      // Convert in a fresh process, so that its peak RSS is the converter's alone.
      const child = fileURLToPath(new URL('./convert-child.ts', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, checkpoint, output, precision]);
      peaks[precision] = Number(stdout.trim());
      const peerDirectory = join(workspace, `peer-${precision}`);
      if (peer) {
        // The same weights and operators in the onnxruntime-genai / transformers.js cache contract.
        const [, file] = peerFiles[precision];
        await convertCheckpoint({ checkpoint, output: join(peerDirectory, 'peer', 'onnx'), precision, cacheLayout: 'present-outputs', weightsFile: `${file}.onnx_data` });
        await rename(join(peerDirectory, 'peer', 'onnx', 'model.onnx'), join(peerDirectory, 'peer', 'onnx', `${file}.onnx`));
        await writeFile(join(peerDirectory, 'peer', 'config.json'), JSON.stringify(peerConfig));
      }
      for (const batch of [1, 4]) {
        const runner = peer ? await openPeer(peer, peerDirectory, precision, batch) : undefined;
        rows.push(await measure(output, precision, batch, runner));
        await runner?.dispose();
      }
      await rm(peerDirectory, { recursive: true, force: true });
    }
    const parameters = shape.vocabSize * shape.hiddenSize * 2 + shape.layerCount * (4 * shape.hiddenSize ** 2 + 3 * shape.hiddenSize * shape.intermediateSize);
    process.stdout.write(
      `\n@aquila/runtime generate bench: ${(parameters / 1e6).toFixed(0)}M params (vocab ${shape.vocabSize}, ${shape.layerCount}×${shape.hiddenSize}), prompt ${promptLength}, ${newTokens} new tokens, median of ${repeats}\n` +
        `measured read bandwidth (onnxruntime GEMV over 512 MiB): ${(bandwidth / 1e9).toFixed(1)} GB/s; load average ${loadavg().map((load) => load.toFixed(1)).join(' ')} (timings on a shared machine are noisy)\n` +
        `checkpoint: ${(checkpointBytes / 2 ** 20).toFixed(0)} MiB of fp32 safetensors; "convert peak RSS" is the converting process's whole peak\n` +
        (peer
          ? `peer: transformers.js on the same weights (graph converted with cacheLayout "present-outputs"), prompt ${promptLength} + ${newTokens} greedy tokens end to end, each repeat right after ours\n\n`
          : `peer: transformers.js not installed, not run (add @huggingface/transformers as a devDependency; its protobufjs postinstall needs an allowBuilds entry)\n\n`),
    );
    const header = ['precision', 'batch', 'prefill tok/s', 'decode tok/s', 'best decode', 'MB read/token', 'limit tok/s', 'share (median/best)', 'e2e tok/s', 'transformers.js e2e', 'vs peer', 'convert peak RSS'];
    const table = rows.map((row) => {
      const bytes = weightBytesPerToken(row.precision);
      const limit = (bandwidth / bytes) * row.batch; // one weight read serves the whole batch
      return [row.precision, String(row.batch), row.prefill.toFixed(0), row.decode.toFixed(1), row.bestDecode.toFixed(1), (bytes / 1e6).toFixed(0), limit.toFixed(0), `${((row.decode / limit) * 100).toFixed(0)}% / ${((row.bestDecode / limit) * 100).toFixed(0)}%`, row.endToEnd.toFixed(1), row.peer === undefined ? 'n/a' : row.peer.toFixed(1), row.peer === undefined ? 'n/a' : `${(row.endToEnd / row.peer).toFixed(2)}×${row.peerAgrees ? '' : ' (tokens differ!)'}`, `${((peaks[row.precision] ?? 0) / 2 ** 20).toFixed(0)} MiB`];
    });
    const widths = header.map((title, column) => Math.max(title.length, ...table.map((cells) => (cells[column] as string).length)));
    const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padStart(widths[column] as number)).join(' | ')} |\n`;
    process.stdout.write(line(header) + `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n` + table.map(line).join(''));
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

await main();
