// Generation throughput of @aquila/runtime (int8, int4) beside llama.cpp (Q8_0, Q4_0) on the same random weights:
// a TinyLlama-shaped model scaled down (8 layers of 512, FFN 1408, 8 heads sharing 1 key/value head of 64 as
// TinyLlama's 32 share 4, vocabulary 32,000), batch 1 and 4, prompt 32 and 256, greedy. llama.cpp runs through
// node-llama-cpp's prebuilt CPU binary, the weights written by the bench's GGUF writer (bench/llama-cpp/).
// Run: pnpm --filter @aquila/runtime bench:llama-cpp
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getModuleVersion } from 'node-llama-cpp';
import { convertCheckpoint, LanguageModel, type ModelShape, type WeightPrecision } from '../src/index.js';
import { writeRandomCheckpoint } from '../src/testing.js';
import { countFromEnvironment, leadingAgreement, markdownTable, median } from './bench-support.js';
import type { GgmlType } from './llama-cpp/ggml-blocks.js';
import { type LlamaCppModel, type LlamaCppRun, loadLlamaCpp, openLlamaCppModel } from './llama-cpp/llama-cpp-model.js';
import { writeLlamaGguf } from './llama-cpp/write-llama-gguf.js';

const shape: ModelShape = {
  vocabSize: 32000,
  hiddenSize: 512,
  intermediateSize: 1408,
  layerCount: 8,
  headCount: 8,
  keyValueHeadCount: 1,
  headSize: 64,
  rmsNormEpsilon: 1e-5,
  ropeTheta: 10000,
  maxPositions: 2048,
  tiedEmbeddings: false,
};

const newTokens = countFromEnvironment('NEW_TOKENS', 32);
const repeats = countFromEnvironment('REPEATS', 3);
const threads = countFromEnvironment('THREADS', availableParallelism());
const promptLengths = [32, 256];
const batches = [1, 4];
const pairs: [WeightPrecision, GgmlType][] = [
  ['int8', 'Q8_0'],
  ['int4', 'Q4_0'],
];

/** Distinct prompts of plain tokens (past the specials and byte tokens) for each sequence and repeat. */
const prompt = (length: number, offset: number): number[] =>
  Array.from({ length }, (_, index) => 259 + ((index * 7919 + offset * 104729) % (shape.vocabSize - 259)));

/** Our runtime behind llama.cpp's interface: one request per prompt, batched by the runtime's scheduler. */
function ourEngine(model: LanguageModel): LlamaCppModel {
  return {
    async generate({ prompts, newTokens: count }) {
      const tokenTimes = prompts.map((): number[] => []);
      const tokens = await Promise.all(
        prompts.map(async (promptIds, index) => {
          const generated: number[] = [];
          for await (const event of model.stream({ promptIds, maxNewTokens: count, stopTokenIds: [] })) {
            if (event.type !== 'token-delta') continue;
            tokenTimes[index]?.push(performance.now());
            generated.push(event.tokenId);
          }
          return generated;
        }),
      );
      return { tokens, tokenTimes };
    },
    dispose: () => model.release(),
  };
}

interface Rates {
  /** Prompt tokens of the batch over the time to the last sequence's first new token. */
  prefill: number;
  /** New tokens that came after every sequence had its first, over that time (the batch decoding together). */
  decode: number;
  /** New tokens over the whole time, prefill included. */
  endToEnd: number;
}

async function timeRun(engine: LlamaCppModel, prompts: number[][]): Promise<Rates & LlamaCppRun> {
  const started = performance.now();
  const run = await engine.generate({ prompts, newTokens });
  const ended = performance.now();
  const lastFirst = Math.max(...run.tokenTimes.map((times) => times[0] ?? ended));
  const decoded = run.tokenTimes.flat().filter((time) => time > lastFirst).length;
  return {
    ...run,
    prefill: (prompts.length * (prompts[0]?.length ?? 0)) / ((lastFirst - started) / 1000),
    decode: decoded / ((ended - lastFirst) / 1000),
    endToEnd: (prompts.length * newTokens) / ((ended - started) / 1000),
  };
}

const medians = (runs: Rates[]): Rates => ({
  prefill: median(runs.map((run) => run.prefill)),
  decode: median(runs.map((run) => run.decode)),
  endToEnd: median(runs.map((run) => run.endToEnd)),
});

interface Row {
  precision: WeightPrecision;
  type: GgmlType;
  batch: number;
  promptLength: number;
  ours: Rates;
  theirs: Rates;
  /** Leading greedy tokens both engines agree on, the fewest over the warm-up's sequences. */
  agreement: number;
}

async function main(): Promise<void> {
  const workspace = await mkdtemp(join(tmpdir(), 'aquila-llama-cpp-bench-'));
  const [startLoad = 0] = loadavg();
  const busy = threads > 1 && startLoad > availableParallelism() ? startLoad : undefined;
  const llama = await loadLlamaCpp();
  try {
    const checkpoint = join(workspace, 'checkpoint');
    const weights = await writeRandomCheckpoint({
      directory: checkpoint,
      shape,
      naming: 'hf',
      format: 'safetensors',
      seed: 1,
    });
    const rows: Row[] = [];
    const sizes: string[] = [];
    for (const [precision, type] of pairs) {
      const converted = join(workspace, precision);
      await convertCheckpoint({ checkpoint, output: converted, precision });
      const gguf = join(workspace, `${type}.gguf`);
      await writeLlamaGguf({ path: gguf, shape, weights, type });
      const mebibytes = async (path: string): Promise<string> => ((await stat(path)).size / 2 ** 20).toFixed(0);
      sizes.push(
        `${precision} ${await mebibytes(join(converted, 'model.onnx.data'))} MiB, ${type} ${await mebibytes(gguf)} MiB`,
      );
      for (const batch of batches) {
        const ours = ourEngine(await LanguageModel.load({ path: converted, maxBatchSize: batch, threads }));
        const theirs = await openLlamaCppModel({
          llama,
          path: gguf,
          batch,
          contextSize: Math.max(...promptLengths) + newTokens,
          threads,
        });
        for (const promptLength of promptLengths) {
          const ourRuns: Rates[] = [];
          const theirRuns: Rates[] = [];
          let agreement = newTokens;
          // Repeat 0 warms up; each of our repeats is followed by llama.cpp's on the same prompts, so both see
          // the same machine load.
          for (let repeat = 0; repeat <= repeats; repeat++) {
            const prompts = Array.from({ length: batch }, (_, index) => prompt(promptLength, index + batch * repeat));
            const ourRun = await timeRun(ours, prompts);
            const theirRun = await timeRun(theirs, prompts);
            if (repeat === 0) {
              for (const [index, tokens] of ourRun.tokens.entries())
                agreement = Math.min(agreement, leadingAgreement(tokens, theirRun.tokens[index] ?? []));
              continue;
            }
            ourRuns.push(ourRun);
            theirRuns.push(theirRun);
          }
          const row: Row = {
            precision,
            type,
            batch,
            promptLength,
            ours: medians(ourRuns),
            theirs: medians(theirRuns),
            agreement,
          };
          rows.push(row);
          const rates = (name: keyof Rates) => `${row.ours[name].toFixed(1)} / ${row.theirs[name].toFixed(1)}`;
          process.stderr.write(
            `${precision}/${type} batch ${batch} prompt ${promptLength}, tok/s ours / llama.cpp: prefill ${rates('prefill')}, decode ${rates('decode')}, e2e ${rates('endToEnd')}; same first ${agreement} tokens\n`,
          );
        }
        await ours.dispose();
        await theirs.dispose();
      }
    }
    const parameters =
      2 * shape.vocabSize * shape.hiddenSize +
      shape.layerCount *
        (2 * shape.hiddenSize * shape.headCount * shape.headSize +
          2 * shape.hiddenSize * shape.keyValueHeadCount * shape.headSize +
          3 * shape.hiddenSize * shape.intermediateSize);
    const release = llama.llamaCppRelease;
    process.stdout.write(
      `\n@aquila/runtime beside llama.cpp: ${(parameters / 1e6).toFixed(0)}M params (${shape.layerCount}×${shape.hiddenSize}, FFN ${shape.intermediateSize}, ${shape.headCount} heads / ${shape.keyValueHeadCount} KV head of ${shape.headSize}, vocab ${shape.vocabSize}), ${newTokens} greedy new tokens, median of ${repeats}, ${threads} thread${threads === 1 ? '' : 's'} each\n` +
        `llama.cpp through node-llama-cpp ${await getModuleVersion()} (its ${release.repo} release ${release.release}, prebuilt CPU binary); batch 4 = one context with 4 sequences decoded in shared batches; ours: 4 requests to one LanguageModel (maxBatchSize 4)\n` +
        `files: ${sizes.join('; ')} (embedding F32 in both; Q8_0/Q4_0 for every projection and the head, as our int8/int4)\n` +
        `load average ${loadavg()
          .map((load) => load.toFixed(1))
          .join(' ')} (timings on a shared machine are noisy); ratio = ours / llama.cpp\n` +
        (busy
          ? `the load average was ${busy.toFixed(1)} on ${availableParallelism()} cores at the start: with more runnable threads than cores, llama.cpp's spinning thread barriers stall (THREADS=1 avoids them)\n\n`
          : '\n'),
    );
    const header = [
      'ours',
      'llama.cpp',
      'batch',
      'prompt',
      'prefill tok/s ours',
      'llama.cpp',
      'ratio',
      'decode tok/s ours',
      'llama.cpp',
      'ratio',
      'e2e tok/s ours',
      'llama.cpp',
      'ratio',
      'same greedy tokens',
    ];
    const ratio = (ours: number, theirs: number): string => `${(ours / theirs).toFixed(2)}×`;
    const table = rows.map((row) => [
      row.precision,
      row.type,
      String(row.batch),
      String(row.promptLength),
      row.ours.prefill.toFixed(0),
      row.theirs.prefill.toFixed(0),
      ratio(row.ours.prefill, row.theirs.prefill),
      row.ours.decode.toFixed(1),
      row.theirs.decode.toFixed(1),
      ratio(row.ours.decode, row.theirs.decode),
      row.ours.endToEnd.toFixed(1),
      row.theirs.endToEnd.toFixed(1),
      ratio(row.ours.endToEnd, row.theirs.endToEnd),
      `${row.agreement} of ${newTokens}`,
    ]);
    process.stdout.write(markdownTable(header, table));
  } finally {
    await llama.dispose();
    await rm(workspace, { recursive: true, force: true });
  }
}

await main();
