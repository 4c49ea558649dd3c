// One cold start, run by the benchmark in a fresh process: load Aquila's tokenizer, then encode the corpus
// once, nothing compiled or cached before. Prints one JSON line: seconds (wall and CPU) to load, to reach
// the first MB of input, and to finish, and the memory the tokenizer holds at the end (tables and cache).

import { loadAquilaTokenizer } from './built-package.js';
import { readBenchCorpus } from './corpus.js';

const corpus = readBenchCorpus();
const cpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};
interface Mark {
  seconds: number;
  cpuSeconds: number;
  bytes: number;
}
// Memory: JavaScript heap plus typed arrays after a full collection (run with --expose-gc), not RSS,
// which moves with the allocator. The corpus is read before, so only what the tokenizer keeps counts.
const memory = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
const memoryBefore = memory();
const wallStart = performance.now();
const cpuStart = cpuSeconds();
let bytes = 0;
const mark = (): Mark => ({
  seconds: (performance.now() - wallStart) / 1000,
  cpuSeconds: cpuSeconds() - cpuStart,
  bytes,
});

const tokenizer = await loadAquilaTokenizer();
const load = mark();
let firstMegabyte: Mark | undefined;
let tokens = 0;
for (const text of corpus) {
  tokens += tokenizer.encode(text).length;
  bytes += Buffer.byteLength(text);
  if (firstMegabyte === undefined && bytes >= 1e6) firstMegabyte = mark();
}
const all = mark();
process.stdout.write(`${JSON.stringify({ load, firstMegabyte, all, tokens, memory: memory() - memoryBefore })}\n`);
