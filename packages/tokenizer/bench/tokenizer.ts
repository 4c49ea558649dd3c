// The tokenizer benchmark: one table of MB/s (10^6 UTF-8 input bytes per second) and Mtokens/s on the
// 10 MB corpus (English, Chinese, SQL), for this package and its peers in the same run, plus 1 MB of one
// repeated character and of digits at two sizes (linear time shows as equal MB/s). It also checks that
// every corpus document gets the ids HF tokenizers gives, and runs cold starts (bench/cold-start.ts) in fresh
// processes: load, then the first MB and the whole corpus, nothing compiled or cached before.
// Run: pnpm --filter @aquila/tokenizer bench (it builds dist first and measures that).
// Options: --reps N (best of N, default 3), --slow-share N (the pure-JS peer runs on every Nth document, default 5).
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { moduleCommand } from '@aquila/files';
import { aquilaTokenizerJson, lenmlTokenizerFolder } from '@aquila/test-kit';
import { Tokenizer as HuggingFaceJsTokenizer } from '@huggingface/tokenizers';
import { get_encoding } from 'tiktoken';
import { Tokenizer as HuggingFaceTokenizer } from 'tokenizers';
import { loadAquilaTokenizer, loadTokenizer } from './built-package.js';
import { readBenchCorpus } from './corpus.js';

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
};
const reps = argument('reps', 3);
const slowShare = argument('slow-share', 5);

interface Row {
  encoder: string;
  mode: string;
  bytes: number;
  seconds: number;
  /** CPU seconds of the whole process (all threads) in the best run: less sensitive to a busy machine. */
  cpuSeconds: number;
  tokens: number;
  note?: string;
}
const rows: Row[] = [];
const utf8Length = (texts: string[]): number => texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);

/** Best wall time of `count` runs of `run` (which returns the number of tokens), with that run's CPU time. */
async function measure(
  encoder: string,
  mode: string,
  texts: string[],
  count: number,
  run: () => Promise<number> | number,
  note?: string,
): Promise<void> {
  let best = Infinity;
  let cpuSeconds = 0;
  let tokens = 0;
  for (let rep = 0; rep < count; rep++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    tokens = await run();
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    if (seconds < best) {
      best = seconds;
      cpuSeconds = (cpu.user + cpu.system) / 1e6;
    }
  }
  rows.push({ encoder, mode, bytes: utf8Length(texts), seconds: best, cpuSeconds, tokens, note });
  process.stderr.write(`  ${encoder} / ${mode}: ${(utf8Length(texts) / 1e6 / best).toFixed(2)} MB/s\n`);
}

const corpus = readBenchCorpus();
const slowSlice = corpus.filter((_, index) => index % slowShare === 0);
const threads = availableParallelism();
process.stderr.write(
  `corpus: ${corpus.length} documents, ${(utf8Length(corpus) / 1e6).toFixed(2)} MB; ${cpus()[0]?.model ?? 'cpu'}, ${threads} threads; Node ${process.version}\n`,
);

// Cold starts, each in a fresh process (best of N by wall time): load + first MB, load + the whole corpus.
interface Mark {
  seconds: number;
  cpuSeconds: number;
  bytes: number;
}
interface ColdStart {
  load: Mark;
  firstMegabyte: Mark;
  all: Mark;
  tokens: number;
  memory: number;
}
const coldStarts: ColdStart[] = [];
const coldStartModule = moduleCommand({ from: import.meta.url, source: './cold-start.ts' });
for (let rep = 0; rep < reps; rep++) {
  const child = spawnSync(process.execPath, ['--expose-gc', ...coldStartModule.execArgv, coldStartModule.path], {
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`bench/cold-start.ts failed: ${child.stderr}`);
  coldStarts.push(JSON.parse(child.stdout) as ColdStart);
}
const coldStart = coldStarts.reduce((best, run) => (run.all.seconds < best.all.seconds ? run : best));
const coldRow = (mode: string, mark: Mark, tokens: number, note: string): void => {
  rows.push({
    encoder: '@aquila/tokenizer (Aquila)',
    mode,
    bytes: mark.bytes,
    seconds: mark.seconds,
    cpuSeconds: mark.cpuSeconds,
    tokens,
    note,
  });
};
coldRow('fresh process: load only', coldStart.load, 0, `${coldStart.load.seconds.toFixed(2)} s`);
coldRow(
  'fresh process: load + first MB',
  coldStart.firstMegabyte,
  Math.round((coldStart.tokens * coldStart.firstMegabyte.bytes) / coldStart.all.bytes),
  'counts load and JIT warm-up (tokens pro rata)',
);
coldRow(
  'fresh process: load + whole corpus',
  coldStart.all,
  coldStart.tokens,
  `the tokenizer then holds ${(coldStart.memory / 2 ** 20).toFixed(0)} MiB (heap and typed arrays: tables and piece cache)`,
);

// This package. "cold": a fresh tokenizer, its piece cache empty, one pass; "warm": best of N passes.
const coldTokenizer = await loadAquilaTokenizer();
const warmUp = await loadAquilaTokenizer(); // compiles the hot code first, on another instance
for (const text of corpus.slice(0, 300)) warmUp.encode(text);
await measure(
  '@aquila/tokenizer (Aquila)',
  'per document, 1 thread, cold cache',
  corpus,
  1,
  () => corpus.reduce((sum, text) => sum + coldTokenizer.encode(text).length, 0),
  'first pass of a new tokenizer',
);
const tokenizer = await loadAquilaTokenizer();
await measure(
  '@aquila/tokenizer (Aquila)',
  'per document, 1 thread',
  corpus,
  reps + 1,
  () => corpus.reduce((sum, text) => sum + tokenizer.encode(text).length, 0),
  'warm piece cache',
);
// encodeBatch over worker threads (the tables are shared through SharedArrayBuffers; CPU s adds up all
// threads). The first batch of a new tokenizer starts the workers, each with an empty piece cache; the
// warm rows reuse the pool, as a long job does.
const batchTokenizer = await loadAquilaTokenizer();
const batchTokens = async (): Promise<number> =>
  (await batchTokenizer.encodeBatch(corpus, { threads })).reduce((sum, ids) => sum + ids.length, 0);
await measure(
  '@aquila/tokenizer (Aquila)',
  `encodeBatch, ${threads} threads, first batch`,
  corpus,
  1,
  batchTokens,
  'starts the workers',
);
await measure(
  '@aquila/tokenizer (Aquila)',
  `encodeBatch, ${threads} threads`,
  corpus,
  reps,
  batchTokens,
  'workers and their caches warm',
);
await batchTokenizer.close();

// HF tokenizers (Rust, napi), the reference: per document, and its Rayon batch API.
const reference = HuggingFaceTokenizer.fromString(aquilaTokenizerJson());
let referenceIds: number[][] = [];
await measure('tokenizers 0.23.2 Rust (Aquila)', 'per document', corpus, Math.min(reps, 2), async () => {
  let tokens = 0;
  for (const text of corpus)
    tokens += (await reference.encode(text, null, { addSpecialTokens: false })).getIds().length;
  return tokens;
});
await measure('tokenizers 0.23.2 Rust (Aquila)', 'encodeBatch (Rayon)', corpus, Math.min(reps, 2), async () => {
  referenceIds = (await reference.encodeBatch(corpus, { addSpecialTokens: false })).map((encoding) =>
    encoding.getIds(),
  );
  return referenceIds.reduce((sum, ids) => sum + ids.length, 0);
});

// @huggingface/tokenizers (pure JS, what transformers.js v4 runs), on a slice: it is ~30x slower.
const tokenizerJson = JSON.parse(aquilaTokenizerJson()) as object;
const javascript = new HuggingFaceJsTokenizer(tokenizerJson, { add_prefix_space: false });
await measure(
  '@huggingface/tokenizers 0.2.0 JS (Aquila)',
  'per document',
  slowSlice,
  1,
  () => slowSlice.reduce((sum, text) => sum + javascript.encode(text, { add_special_tokens: false }).ids.length, 0),
  `every ${slowShare}th document`,
);

// tiktoken (WASM) with its own cl100k vocabulary: a different vocabulary, for scale.
const cl100k = get_encoding('cl100k_base');
await measure(
  'tiktoken 1.0.22 WASM (cl100k)',
  'per document',
  corpus,
  reps,
  () => corpus.reduce((sum, text) => sum + cl100k.encode_ordinary(text).length, 0),
  'other vocabulary',
);
cl100k.free();

// The general path (a normalizer, Split pre-tokenizers, ignore_merges…) on real files of other families,
// beside HF on the same file; their ids are checked on the whole corpus too.
let generalMismatches = 0;
for (const family of ['qwen3', 'llama3'] as const) {
  const file = join(lenmlTokenizerFolder(family), 'tokenizer.json');
  const name = family === 'qwen3' ? 'Qwen3' : 'Llama-3';
  const loadStart = performance.now();
  const general = await loadTokenizer({ path: file });
  const loadSeconds = (performance.now() - loadStart) / 1000;
  await measure(
    `@aquila/tokenizer (${name} tokenizer.json)`,
    'per document, 1 thread',
    corpus,
    reps,
    () => corpus.reduce((sum, text) => sum + general.encode(text).length, 0),
    `general path; loading the file took ${loadSeconds.toFixed(2)} s`,
  );
  const familyReference = HuggingFaceTokenizer.fromFile(file);
  let familyIds: number[][] = [];
  await measure(`tokenizers 0.23.2 Rust (${name})`, 'per document', corpus, 1, async () => {
    familyIds = [];
    for (const text of corpus)
      familyIds.push((await familyReference.encode(text, null, { addSpecialTokens: false })).getIds());
    return familyIds.reduce((sum, ids) => sum + ids.length, 0);
  });
  corpus.forEach((text, index) => {
    const ids = general.encode(text);
    const expected = familyIds[index] ?? [];
    if (ids.length !== expected.length || ids.some((id, position) => id !== expected[position])) generalMismatches++;
  });
}

// Pathological input: 1 MB of one character, and of digits (one piece each), at 256 kB and 1 MB.
for (const [name, unit] of [
  ['"a" repeated', 'a'],
  ['digits', '0123456789'],
] as const) {
  for (const size of [262_144, 1_048_576]) {
    const text = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    await measure(
      '@aquila/tokenizer (Aquila)',
      `${(size / 1024).toFixed(0)} kB of ${name}`,
      [text],
      reps + 2,
      () => tokenizer.encode(text).length,
    );
    await measure(
      'tokenizers 0.23.2 Rust (Aquila)',
      `${(size / 1024).toFixed(0)} kB of ${name}`,
      [text],
      Math.min(reps, 2),
      async () => (await reference.encode(text, null, { addSpecialTokens: false })).getIds().length,
    );
  }
}
await tokenizer.close();

// Exactness on the whole corpus.
let mismatches = 0;
corpus.forEach((text, index) => {
  const ids = tokenizer.encode(text);
  const expected = referenceIds[index] ?? [];
  if (ids.length !== expected.length || ids.some((id, position) => id !== expected[position])) mismatches++;
});

// Targets: ≥ 10 MB/s on one thread, and faster than every peer; by wall time and, steadier on a busy
// machine, per CPU second (the peers' rows the same way).
const ours = (mode: string): Row => rows.find((row) => row.encoder.startsWith('@aquila') && row.mode === mode) as Row;
const peers = rows.filter((row) => !row.encoder.startsWith('@aquila') && row.bytes > 5e6);
const rate = (row: Row, cpu: boolean): number => row.bytes / 1e6 / (cpu ? row.cpuSeconds : row.seconds);
const check = (label: string, row: Row): string => {
  const parts = [false, true].map((cpu) => {
    const value = rate(row, cpu);
    const fastestPeer = Math.max(...peers.map((peer) => rate(peer, cpu)));
    return `${value.toFixed(2)} MB/${cpu ? 'CPU s' : 's'} (${value >= 10 ? '≥ 10' : '< 10'}, ${value > fastestPeer ? 'above' : 'below'} the fastest peer's ${fastestPeer.toFixed(2)})`;
  });
  return `- ${label}: ${parts.join('; ')}`;
};
const number = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '–');
const lines = [
  '| encoder (vocabulary) | mode | input MB | MB/s | Mtokens/s | CPU s | MB per CPU s | note |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ...rows.map(
    (row) =>
      `| ${row.encoder} | ${row.mode} | ${(row.bytes / 1e6).toFixed(2)} | ${row.bytes === 0 ? '–' : number(row.bytes / 1e6 / row.seconds)} | ${row.tokens === 0 ? '–' : number(row.tokens / 1e6 / row.seconds)} | ${row.cpuSeconds.toFixed(2)} | ${row.bytes === 0 ? '–' : number(row.bytes / 1e6 / row.cpuSeconds)} | ${row.note ?? ''} |`,
  ),
  '',
  'targets:',
  check('warm, 1 thread', ours('per document, 1 thread')),
  check('cold cache, 1 thread', ours('per document, 1 thread, cold cache')),
  check('fresh process, load + whole corpus', ours('fresh process: load + whole corpus')),
  check('fresh process, load + first MB', ours('fresh process: load + first MB')),
];
process.stdout.write(
  `${lines.join('\n')}\n\nexact: ${corpus.length - mismatches}/${corpus.length} corpus documents give HF tokenizers' ids (Aquila), ${2 * corpus.length - generalMismatches}/${2 * corpus.length} with Qwen3's and Llama-3's files; best of ${reps} (wall time); load average ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')} on ${threads} threads (other work on the machine slows every row alike).\n`,
);
if (mismatches > 0 || generalMismatches > 0) process.exitCode = 1;
