// The tokenizer benchmark: one table of MB/s (10^6 UTF-8 input bytes per second) and Mtokens/s on the
// 10 MB corpus (English, Chinese, SQL), for this package and its peers in the same run, plus 1 MB of one
// repeated character and of digits at two sizes (linear time shows as equal MB/s). It also checks that
// every corpus document gets the ids HF tokenizers gives. Run: pnpm --filter @aquila/tokenizer bench
// Options: --reps N (best of N, default 3), --slow-share N (the pure-JS peer runs on every Nth document, default 5).
import { availableParallelism, cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { Tokenizer as HuggingFaceJsTokenizer } from '@huggingface/tokenizers';
import { get_encoding } from 'tiktoken';
import { Tokenizer as HuggingFaceTokenizer } from 'tokenizers';
import { readCorpus, reconstructedTokenizerJson } from '../test/fixtures.js';
import { loadAquilaTokenizer } from '../src/index.js';

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
async function measure(encoder: string, mode: string, texts: string[], count: number, run: () => Promise<number> | number, note?: string): Promise<void> {
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

const corpus = readCorpus();
const slowSlice = corpus.filter((_, index) => index % slowShare === 0);
const threads = availableParallelism();
process.stderr.write(`corpus: ${corpus.length} documents, ${(utf8Length(corpus) / 1e6).toFixed(2)} MB; ${cpus()[0]?.model ?? 'cpu'}, ${threads} threads; Node ${process.version}\n`);

// This package. "cold": a fresh tokenizer, its piece cache empty, one pass; "warm": best of N passes.
const coldTokenizer = await loadAquilaTokenizer();
const warmUp = await loadAquilaTokenizer(); // compiles the hot code first, on another instance
for (const text of corpus.slice(0, 300)) warmUp.encode(text);
await measure('@aquila/tokenizer (Aquila)', 'per document, 1 thread, cold cache', corpus, 1, () => corpus.reduce((sum, text) => sum + coldTokenizer.encode(text).length, 0), 'first pass of a new tokenizer');
const tokenizer = await loadAquilaTokenizer();
await measure('@aquila/tokenizer (Aquila)', 'per document, 1 thread', corpus, reps + 1, () => corpus.reduce((sum, text) => sum + tokenizer.encode(text).length, 0), 'warm piece cache');
await measure('@aquila/tokenizer (Aquila)', `encodeBatch, ${threads} threads`, corpus, reps + 1, async () => (await tokenizer.encodeBatch(corpus, { threads })).reduce((sum, ids) => sum + ids.length, 0), 'each worker warms its own cache');

// HF tokenizers (Rust, napi), the reference: per document, and its Rayon batch API.
const reference = HuggingFaceTokenizer.fromFile(reconstructedTokenizerJson);
let referenceIds: number[][] = [];
await measure('tokenizers 0.23.2 Rust (Aquila)', 'per document', corpus, Math.min(reps, 2), async () => {
  let tokens = 0;
  for (const text of corpus) tokens += (await reference.encode(text, null, { addSpecialTokens: false })).getIds().length;
  return tokens;
});
await measure('tokenizers 0.23.2 Rust (Aquila)', 'encodeBatch (Rayon)', corpus, Math.min(reps, 2), async () => {
  referenceIds = (await reference.encodeBatch(corpus, { addSpecialTokens: false })).map((encoding) => encoding.getIds());
  return referenceIds.reduce((sum, ids) => sum + ids.length, 0);
});

// @huggingface/tokenizers (pure JS, what transformers.js v4 runs), on a slice: it is ~30x slower.
const tokenizerJson = JSON.parse(readFileSync(reconstructedTokenizerJson, 'utf8')) as object;
const javascript = new HuggingFaceJsTokenizer(tokenizerJson, { add_prefix_space: false });
await measure('@huggingface/tokenizers 0.2.0 JS (Aquila)', 'per document', slowSlice, 1, () =>
  slowSlice.reduce((sum, text) => sum + javascript.encode(text, { add_special_tokens: false }).ids.length, 0), `every ${slowShare}th document`);

// tiktoken (WASM) with its own cl100k vocabulary: a different vocabulary, for scale.
const cl100k = get_encoding('cl100k_base');
await measure('tiktoken 1.0.22 WASM (cl100k)', 'per document', corpus, reps, () => corpus.reduce((sum, text) => sum + cl100k.encode_ordinary(text).length, 0), 'other vocabulary');
cl100k.free();

// Pathological input: 1 MB of one character, and of digits (one piece each), at 256 kB and 1 MB.
for (const [name, unit] of [['"a" repeated', 'a'], ['digits', '0123456789']] as const) {
  for (const size of [262_144, 1_048_576]) {
    const text = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    await measure('@aquila/tokenizer (Aquila)', `${(size / 1024).toFixed(0)} kB of ${name}`, [text], reps + 2, () => tokenizer.encode(text).length);
    await measure('tokenizers 0.23.2 Rust (Aquila)', `${(size / 1024).toFixed(0)} kB of ${name}`, [text], Math.min(reps, 2), async () => (await reference.encode(text, null, { addSpecialTokens: false })).getIds().length);
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

const lines = [
  '| encoder (vocabulary) | mode | input MB | MB/s | Mtokens/s | CPU s | MB per CPU s | note |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ...rows.map((row) => `| ${row.encoder} | ${row.mode} | ${(row.bytes / 1e6).toFixed(2)} | ${(row.bytes / 1e6 / row.seconds).toFixed(2)} | ${(row.tokens / 1e6 / row.seconds).toFixed(2)} | ${row.cpuSeconds.toFixed(2)} | ${(row.bytes / 1e6 / row.cpuSeconds).toFixed(2)} | ${row.note ?? ''} |`),
];
process.stdout.write(`${lines.join('\n')}\n\nexact: ${corpus.length - mismatches}/${corpus.length} corpus documents give HF tokenizers' ids; best of ${reps} (wall time); load average ${loadavg().map((value) => value.toFixed(1)).join(' ')} on ${threads} threads (other work on the machine slows every row alike).\n`);
if (mismatches > 0) process.exitCode = 1;
