// Generation throughput of @aquila/runtime on a ~120M-parameter random LLaMA-shaped model with Aquila's
// vocabulary (100,008), fp32/int8/int4, batch 1 and 4, against the memory-bandwidth limit measured here.
// Run: pnpm --filter @aquila/runtime bench
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { moduleCommand } from '@aquila/files';
import { aquilaSpecialTokenIds } from '@aquila/prompts';
import * as ort from 'onnxruntime-node';
import {
  type WeightPrecision as AnyPrecision,
  convertCheckpoint,
  LanguageModel,
  type ModelShape,
} from '../src/index.js';

/** The precisions this bench compares (fp16 runs as float32 on the CPU: the fp32 row stands for it). */
type WeightPrecision = Exclude<AnyPrecision, 'fp16'>;

import { encodeOnnxModel, type OnnxInitializer, type OnnxNode } from '../src/onnx/onnx-model.js';
import { writeRandomCheckpoint } from '../src/testing.js';

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
/** What the bench uses of transformers.js (a bench-only peer, installed on first use: see loadTransformersJs). */
interface TransformersJs {
  AutoModelForCausalLM: {
    from_pretrained(
      name: string,
      options: Record<string, unknown>,
    ): Promise<{ generate(options: Record<string, unknown>): Promise<unknown>; dispose(): Promise<void> }>;
  };
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => unknown;
  env: { allowRemoteModels: boolean; localModelPath: string };
}

const peerVersion = '4.3.1';
const peerFolder = fileURLToPath(new URL('../.cache/bench-peers/', import.meta.url));

/**
 * transformers.js, the peer: from the workspace when linked there, else from a bench-only folder that the first
 * run fills with `npm install` (about 470 MB with onnxruntime-web and sharp, too much for a devDependency that
 * every install and CI run would pay; install scripts are not run, onnxruntime-node is the same 1.30). With
 * BENCH_PEERS=off, or when npm cannot install it, the bench runs without the peer and says so.
 */
async function loadTransformersJs(): Promise<TransformersJs | undefined> {
  const specifier = '@huggingface/transformers';
  const linked = (await import(specifier).catch(() => undefined)) as TransformersJs | undefined;
  if (linked !== undefined || process.env.BENCH_PEERS === 'off') return linked;
  const entry = join(peerFolder, 'node_modules', '@huggingface', 'transformers');
  if (
    !(await stat(entry).then(
      () => true,
      () => false,
    ))
  ) {
    process.stderr.write(`installing the peer ${specifier}@${peerVersion} into ${peerFolder} (once)…\n`);
    try {
      await mkdir(peerFolder, { recursive: true });
      await writeFile(join(peerFolder, 'package.json'), '{ "private": true }\n');
      await promisify(execFile)(
        'npm',
        [
          'install',
          '--prefix',
          peerFolder,
          '--no-audit',
          '--no-fund',
          '--ignore-scripts',
          `${specifier}@${peerVersion}`,
        ],
        { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } },
      );
    } catch (error) {
      process.stderr.write(
        `could not install ${specifier} (${(error as Error).message.split('\n')[0]}); running without the peer\n`,
      );
      return undefined;
    }
  }
  const main = createRequire(join(peerFolder, 'package.json')).resolve(specifier);
  return (await import(pathToFileURL(main).href)) as TransformersJs;
}

/** transformers.js's file names per precision (its `dtype` option picks the file). */
const peerFiles = { fp32: ['fp32', 'model'], int8: ['q8', 'model_quantized'], int4: ['q4', 'model_q4'] } as const;

/** A count from the environment (PROMPT_LENGTH=512 NEW_TOKENS=128 for a text-to-SQL-sized prompt), else the default. */
function countFromEnvironment(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number ≥ 1, not ${process.env[name]}`);
  return value;
}
const promptLength = countFromEnvironment('PROMPT_LENGTH', 32);
const newTokens = countFromEnvironment('NEW_TOKENS', 64);
const repeats = 5;

/** The length of the common prefix of two token lists. */
function leadingAgreement(left: readonly number[], right: readonly number[]): number {
  let count = 0;
  while (count < left.length && count < right.length && left[count] === right[count]) count++;
  return count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The best time in ms of `runs` runs of a session, after `warmups` unmeasured ones: a ceiling, which a busy moment should not lower. */
async function bestRunTime(
  model: Uint8Array,
  feeds: Record<string, ort.Tensor>,
  counts: { warmups: number; runs: number },
): Promise<number> {
  const session = await ort.InferenceSession.create(model);
  let best = Infinity;
  for (let run = 0; run < counts.warmups + counts.runs; run++) {
    const started = performance.now();
    await session.run(feeds);
    if (run >= counts.warmups) best = Math.min(best, performance.now() - started);
  }
  await session.release();
  return best;
}

/** Runs a one-node GEMV session (best of 5) and returns bytes of weights read per second. */
async function gemvRate(model: Uint8Array, feeds: Record<string, ort.Tensor>, weightBytes: number): Promise<number> {
  return weightBytes / ((await bestRunTime(model, feeds, { warmups: 1, runs: 5 })) / 1000);
}

/**
 * A `MatMulNBits` node with pseudo-random weights (`seed` varies them) in the converter's layout and settings
 * (block 32, accuracy level 4): `rows` inputs (K) to `columns` outputs (N). Returns the node, its
 * initializers and their bytes.
 */
function quantizedProjection(options: {
  name: string;
  input: string;
  output: string;
  rows: number;
  columns: number;
  bits: 4 | 8;
  seed: number;
}): { node: OnnxNode; initializers: OnnxInitializer[]; bytes: number } {
  const { name, rows, columns, bits, seed } = options;
  const blockSize = 32;
  const blocks = Math.ceil(rows / blockSize);
  const packed = new Uint8Array((columns * blocks * blockSize * bits) / 8);
  for (let offset = 0; offset < packed.length; offset++) packed[offset] = ((offset + seed) * 2654435761) >>> 24;
  const scales = new Float32Array(columns * blocks).fill(0.01);
  return {
    node: {
      opType: 'MatMulNBits',
      domain: 'com.microsoft',
      name: `${name}/MatMulNBits`,
      inputs: [options.input, `${name}.packed`, `${name}.scales`],
      outputs: [options.output],
      attributes: {
        K: { int: rows },
        N: { int: columns },
        bits: { int: bits },
        block_size: { int: blockSize },
        accuracy_level: { int: 4 },
      },
    },
    initializers: [
      {
        name: `${name}.packed`,
        elementType: 'uint8',
        dims: [columns, blocks, (blockSize * bits) / 8],
        data: { raw: packed },
      },
      {
        name: `${name}.scales`,
        elementType: 'float32',
        dims: [columns * blocks],
        data: { raw: new Uint8Array(scales.buffer) },
      },
    ],
    bytes: packed.length + scales.byteLength,
  };
}

const gemvRows = 32768;
const gemvColumns = 4096;

/**
 * Read bandwidth as a decode step sees it: onnxruntime's MatMul of a 512 MiB float matrix by a vector
 * (GEMV, the shape of batch-1 decoding; inputs are zero-copy), with the session's default threads.
 */
function measureBandwidth(): Promise<number> {
  const model = encodeOnnxModel({
    name: 'bandwidth',
    nodes: [{ opType: 'MatMul', name: 'gemv', inputs: ['matrix', 'vector'], outputs: ['product'] }],
    initializers: [],
    inputs: [
      { name: 'matrix', elementType: 'float32', shape: [gemvRows, gemvColumns] },
      { name: 'vector', elementType: 'float32', shape: [gemvColumns, 1] },
    ],
    outputs: [{ name: 'product', elementType: 'float32', shape: [gemvRows, 1] }],
  });
  const feeds = {
    matrix: new ort.Tensor('float32', new Float32Array(gemvRows * gemvColumns).fill(1), [gemvRows, gemvColumns]),
    vector: new ort.Tensor('float32', new Float32Array(gemvColumns).fill(1), [gemvColumns, 1]),
  };
  return gemvRate(model, feeds, gemvRows * gemvColumns * 4);
}

/**
 * How fast onnxruntime's MatMulNBits kernel alone gets through quantised weights (packed bytes and
 * scales per second) in a GEMV, with the converter's settings (block 32, accuracy level 4): the ceiling
 * a decode step of that precision can reach, whatever the bandwidth.
 */
function measureQuantizedKernel(bits: 4 | 8): Promise<number> {
  const projection = quantizedProjection({
    name: 'gemv',
    input: 'vector',
    output: 'product',
    rows: gemvColumns,
    columns: gemvRows,
    bits,
    seed: 0,
  });
  const model = encodeOnnxModel({
    name: 'kernel',
    nodes: [projection.node],
    initializers: projection.initializers,
    inputs: [{ name: 'vector', elementType: 'float32', shape: [1, gemvColumns] }],
    outputs: [{ name: 'product', elementType: 'float32', shape: [1, gemvRows] }],
  });
  const feeds = { vector: new ort.Tensor('float32', new Float32Array(gemvColumns).fill(0.5), [1, gemvColumns]) };
  return gemvRate(model, feeds, projection.bytes);
}

/**
 * The decode step's matrix work alone: one session holding every projection of this model (6 layers of
 * q‖k‖v, o, gate‖up, down, and the head), each with its own weights in the converter's layout, run on
 * `batch` rows. Its steps/s is the ceiling of any decoder graph on onnxruntime's kernels at these shapes
 * (attention, norms and the rest can only add time), which small-K shapes put well below the GEMV above.
 */
async function measureProjections(precision: WeightPrecision, batch: number): Promise<number> {
  const { hiddenSize: hidden, intermediateSize: intermediate, vocabSize } = shape;
  const query = shape.headCount * shape.headSize;
  const keyValue = shape.keyValueHeadCount * shape.headSize;
  const projections: [string, number, number][] = [];
  for (let layer = 0; layer < shape.layerCount; layer++) {
    projections.push(
      [`hidden`, hidden, query + 2 * keyValue],
      [`attention`, query, hidden],
      [`hidden`, hidden, 2 * intermediate],
      [`inner`, intermediate, hidden],
    );
  }
  projections.push(['hidden', hidden, vocabSize]);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  projections.forEach(([input, rows, columns], index) => {
    const name = `projection${index}`;
    if (precision === 'fp32') {
      const weights = new Float32Array(rows * columns);
      for (let offset = 0; offset < weights.length; offset++)
        weights[offset] = (((offset * 2654435761) >>> 24) - 128) / 4096;
      initializers.push({
        name,
        elementType: 'float32',
        dims: [rows, columns],
        data: { raw: new Uint8Array(weights.buffer) },
      });
      nodes.push({ opType: 'MatMul', name: `${name}/MatMul`, inputs: [input, name], outputs: [`${name}/output`] });
      return;
    }
    const projection = quantizedProjection({
      name,
      input,
      output: `${name}/output`,
      rows,
      columns,
      bits: precision === 'int8' ? 8 : 4,
      seed: index,
    });
    nodes.push(projection.node);
    initializers.push(...projection.initializers);
  });
  const widths = { hidden, attention: query, inner: intermediate };
  const model = encodeOnnxModel({
    name: 'projections',
    nodes,
    initializers,
    inputs: Object.entries(widths).map(([name, width]) => ({
      name,
      elementType: 'float32' as const,
      shape: [batch, width],
    })),
    outputs: projections.map(([, , columns], index) => ({
      name: `projection${index}/output`,
      elementType: 'float32' as const,
      shape: [batch, columns],
    })),
  });
  const feeds = Object.fromEntries(
    Object.entries(widths).map(([name, width]) => [
      name,
      new ort.Tensor('float32', new Float32Array(batch * width).fill(0.5), [batch, width]),
    ]),
  );
  return 1000 / (await bestRunTime(model, feeds, { warmups: 4, runs: 20 }));
}

/** Bytes of weights one decode step reads: every projection (and scales), one embedding row, the norms. */
function weightBytesPerToken(precision: WeightPrecision): number {
  const { hiddenSize: hidden, intermediateSize: intermediate, vocabSize, layerCount } = shape;
  const kv = shape.keyValueHeadCount * shape.headSize;
  const projections =
    layerCount * (hidden * (hidden + 2 * kv) + hidden * hidden + 3 * hidden * intermediate) + vocabSize * hidden;
  const bytesPerWeight = precision === 'fp32' ? 4 : (precision === 'int8' ? 1 : 0.5) + 4 / 32;
  return projections * bytesPerWeight + hidden * 4 + (2 * layerCount + 1) * hidden * 4;
}

interface Row {
  precision: WeightPrecision;
  /** Tokens/s of the projections-only session at this batch (measureProjections): the kernels' ceiling. */
  projectionsAlone?: number;
  batch: number;
  prefill: number;
  decode: number;
  /** The best repeat: on a shared machine the closest to what the hardware allows. */
  bestDecode: number;
  /** New tokens over the whole request time (prefill included): the number compared with the peer. */
  endToEnd: number;
  /** Process CPU time (all threads) per new token, prefill included: what the run costs a shared machine. */
  cpuPerToken: number;
  /** The greedy tokens of the first prompt (warm-up run), to check the peer gives the same. */
  firstTokens: number[];
  peer?: number;
  peerCpuPerToken?: number;
  /** How many leading greedy tokens the peer shares with us (all of them unless a near-tie falls the other way). */
  peerAgreement?: number;
}

async function measure(directory: string, precision: WeightPrecision, batch: number, peer?: PeerRunner): Promise<Row> {
  const model = await LanguageModel.load({ path: directory, maxBatchSize: batch });
  const prefills: number[] = [];
  const decodes: number[] = [];
  const endToEnd: number[] = [];
  const cpu: number[] = [];
  const firstTokens: number[] = [];
  for (let repeat = 0; repeat <= repeats; repeat++) {
    // Each request: time to its first token = its prefill; after every request has its first token, the
    // shared decode steps produce the rest.
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const firstTokenTimes: number[] = [];
    let decoded = 0;
    const runs = Array.from({ length: batch }, async (_, index) => {
      let first = true;
      for await (const event of model.stream({
        promptIds: prompt(index + repeat),
        maxNewTokens: newTokens,
        stopTokenIds: [],
      })) {
        if (event.type !== 'token-delta') continue;
        if (repeat === 0 && index === 0) firstTokens.push(event.tokenId);
        if (first) firstTokenTimes.push(performance.now());
        else decoded += 1;
        first = false;
      }
    });
    await Promise.all(runs);
    const ended = performance.now();
    const cpuUsed = process.cpuUsage(cpuStarted);
    // The peer's repeat right after ours: both see the same machine load.
    await peer?.run(repeat);
    if (repeat === 0) continue; // warm-up
    const lastFirst = Math.max(...firstTokenTimes);
    prefills.push((batch * promptLength) / ((lastFirst - started) / 1000));
    endToEnd.push((batch * newTokens) / ((ended - started) / 1000));
    cpu.push((cpuUsed.user + cpuUsed.system) / 1000 / (batch * newTokens));
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
    cpuPerToken: median(cpu),
    firstTokens,
    ...(peerResult
      ? {
          peer: peerResult.rate,
          peerCpuPerToken: peerResult.cpuPerToken,
          peerAgreement: leadingAgreement(peerResult.firstTokens, firstTokens),
        }
      : {}),
  };
}

const prompt = (offset: number) =>
  Array.from({ length: promptLength }, (_, index) => 1000 + ((index * 7919 + offset * 104729) % 90000));

interface PeerRunner {
  /** One generation of the batch; repeat 0 is the warm-up. */
  run(repeat: number): Promise<void>;
  /** End to end (prompt + greedy new tokens) tokens/s and CPU ms per token, medians over the repeats, and the first prompt's tokens. */
  result(): { rate: number; cpuPerToken: number; firstTokens: number[] };
  dispose(): Promise<void>;
}

/** transformers.js on the same weights, run one repeat at a time so that its repeats interleave with ours. */
async function openPeer(
  peer: TransformersJs,
  directory: string,
  precision: WeightPrecision,
  batch: number,
): Promise<PeerRunner> {
  const [dtype] = peerFiles[precision];
  peer.env.allowRemoteModels = false;
  peer.env.localModelPath = directory;
  const model = await peer.AutoModelForCausalLM.from_pretrained('peer', {
    dtype,
    device: 'cpu',
    use_external_data_format: true,
    local_files_only: true,
  });
  const rates: number[] = [];
  const cpu: number[] = [];
  let firstTokens: number[] = [];
  return {
    async run(repeat) {
      const ids = Array.from({ length: batch }, (_, index) => prompt(index + repeat)).flat();
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const output = await model.generate({
        input_ids: new peer.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [batch, promptLength]),
        attention_mask: new peer.Tensor('int64', new BigInt64Array(batch * promptLength).fill(1n), [
          batch,
          promptLength,
        ]),
        max_new_tokens: newTokens,
        min_new_tokens: newTokens,
        do_sample: false,
      });
      const cpuUsed = process.cpuUsage(cpuStarted);
      if (repeat > 0) {
        rates.push((batch * newTokens) / ((performance.now() - started) / 1000));
        cpu.push((cpuUsed.user + cpuUsed.system) / 1000 / (batch * newTokens));
      }
      // Row 0 of the output: the prompt, then the new tokens.
      else
        firstTokens = Array.from(
          (output as { data: BigInt64Array }).data.subarray(promptLength, promptLength + newTokens),
          Number,
        );
    },
    result: () => ({ rate: median(rates), cpuPerToken: median(cpu), firstTokens }),
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
    const kernelRates: Record<WeightPrecision, number> = {
      fp32: bandwidth,
      int8: await measureQuantizedKernel(8),
      int4: await measureQuantizedKernel(4),
    };
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
      bos_token_id: aquilaSpecialTokenIds.bos,
      eos_token_id: aquilaSpecialTokenIds.eos,
    };
    const rows: Row[] = [];
    const peaks: Record<string, number> = {};
    for (const precision of ['fp32', 'int8', 'int4'] as const) {
      const output = join(workspace, precision);
      // Convert in a fresh process, so that its peak RSS is the converter's alone.
      const child = moduleCommand({ from: import.meta.url, source: './convert-child.ts' });
      const { stdout } = await promisify(execFile)(process.execPath, [
        ...child.execArgv,
        child.path,
        checkpoint,
        output,
        precision,
      ]);
      peaks[precision] = Number(stdout.trim());
      const peerDirectory = join(workspace, `peer-${precision}`);
      if (peer) {
        // The same weights and operators in the onnxruntime-genai / transformers.js cache contract.
        const [, file] = peerFiles[precision];
        await convertCheckpoint({
          checkpoint,
          output: join(peerDirectory, 'peer', 'onnx'),
          precision,
          cacheLayout: 'present-outputs',
          weightsFile: `${file}.onnx_data`,
        });
        await rename(
          join(peerDirectory, 'peer', 'onnx', 'model.onnx'),
          join(peerDirectory, 'peer', 'onnx', `${file}.onnx`),
        );
        await writeFile(join(peerDirectory, 'peer', 'config.json'), JSON.stringify(peerConfig));
      }
      for (const batch of [1, 4]) {
        const runner = peer ? await openPeer(peer, peerDirectory, precision, batch) : undefined;
        rows.push({
          ...(await measure(output, precision, batch, runner)),
          projectionsAlone: batch * (await measureProjections(precision, batch)),
        });
        await runner?.dispose();
      }
      await rm(peerDirectory, { recursive: true, force: true });
    }
    const parameters =
      shape.vocabSize * shape.hiddenSize * 2 +
      shape.layerCount * (4 * shape.hiddenSize ** 2 + 3 * shape.hiddenSize * shape.intermediateSize);
    process.stdout.write(
      `\n@aquila/runtime generate bench: ${(parameters / 1e6).toFixed(0)}M params (vocab ${shape.vocabSize}, ${shape.layerCount}×${shape.hiddenSize}), prompt ${promptLength}, ${newTokens} new tokens, median of ${repeats}\n` +
        `measured read bandwidth (onnxruntime GEMV over 512 MiB): ${(bandwidth / 1e9).toFixed(1)} GB/s; MatMulNBits GEMV alone (block 32, accuracy level 4) gets through ${(kernelRates.int8 / 1e9).toFixed(1)} GB/s of int8 and ${(kernelRates.int4 / 1e9).toFixed(1)} GB/s of int4 weights ("kernel limit"); load average ${loadavg()
          .map((load) => load.toFixed(1))
          .join(' ')} (timings on a shared machine are noisy)\n` +
        `checkpoint: ${(checkpointBytes / 2 ** 20).toFixed(0)} MiB of fp32 safetensors; "convert peak RSS" is the converting process's whole peak\n` +
        (peer
          ? `peer: transformers.js on the same weights (graph converted with cacheLayout "present-outputs"), prompt ${promptLength} + ${newTokens} greedy tokens end to end, each repeat right after ours\n\n`
          : `peer: transformers.js not run (BENCH_PEERS=off, or npm could not install it)\n\n`),
    );
    const header = [
      'precision',
      'batch',
      'prefill tok/s',
      'decode tok/s',
      'best decode',
      'MB read/token',
      'limit tok/s',
      'share (median/best)',
      'kernel limit tok/s',
      'projections alone tok/s',
      'their share',
      'decode / projections',
      'e2e tok/s',
      'transformers.js e2e',
      'vs peer',
      'CPU ms/tok',
      'peer CPU ms/tok',
      'convert peak RSS',
    ];
    const table = rows.map((row) => {
      const bytes = weightBytesPerToken(row.precision);
      const limit = (bandwidth / bytes) * row.batch; // one weight read serves the whole batch
      return [
        row.precision,
        String(row.batch),
        row.prefill.toFixed(0),
        row.decode.toFixed(1),
        row.bestDecode.toFixed(1),
        (bytes / 1e6).toFixed(0),
        limit.toFixed(0),
        `${((row.decode / limit) * 100).toFixed(0)}% / ${((row.bestDecode / limit) * 100).toFixed(0)}%`,
        row.batch === 1 ? (kernelRates[row.precision] / bytes).toFixed(0) : 'n/a',
        (row.projectionsAlone ?? 0).toFixed(0),
        `${(((row.projectionsAlone ?? 0) / limit) * 100).toFixed(0)}%`,
        `${((row.decode / (row.projectionsAlone ?? 1)) * 100).toFixed(0)}%`,
        row.endToEnd.toFixed(1),
        row.peer === undefined ? 'n/a' : row.peer.toFixed(1),
        row.peer === undefined
          ? 'n/a'
          : `${(row.endToEnd / row.peer).toFixed(2)}×${row.peerAgreement === row.firstTokens.length ? '' : ` (same first ${row.peerAgreement} of ${row.firstTokens.length} tokens)`}`,
        row.cpuPerToken.toFixed(1),
        row.peerCpuPerToken === undefined ? 'n/a' : row.peerCpuPerToken.toFixed(1),
        `${((peaks[row.precision] ?? 0) / 2 ** 20).toFixed(0)} MiB`,
      ];
    });
    const widths = header.map((title, column) =>
      Math.max(title.length, ...table.map((cells) => (cells[column] as string).length)),
    );
    const line = (cells: string[]) =>
      `| ${cells.map((cell, column) => cell.padStart(widths[column] as number)).join(' | ')} |\n`;
    process.stdout.write(
      `${line(header)}|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n${table.map(line).join('')}`,
    );
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

await main();
