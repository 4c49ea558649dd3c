// Index-map building for 1M documents: this package against numpy (Megatron's own Python path uses numpy's
// RandomState for both shuffles and a C++ helper for sample_idx; the numpy column times the two shuffles).
import { spawnSync } from 'node:child_process';
import { buildIndexMaps, RandomState } from '../src/index.js';

const documents = 1_000_000;
const sequenceLength = 2048;
const random = new RandomState(7);
const sizes = Int32Array.from({ length: documents }, () => 50 + random.interval(1950));
let tokens = 0;
for (const size of sizes) tokens += size;
const numSamples = Math.floor((tokens - 1) / sequenceLength);

function time<T>(work: () => T): [T, number] {
  const start = performance.now();
  const result = work();
  return [result, performance.now() - start];
}

// One untimed pass so the timings below are of optimised code.
buildIndexMaps({
  sizes: sizes.subarray(0, 100_000),
  documents: { start: 0, end: 100_000 },
  numSamples: 1000,
  sequenceLength,
  seed: 1,
});
const [, documentShuffle] = time(() =>
  new RandomState(1234).shuffle(Int32Array.from({ length: documents }, (_, index) => index)),
);
const [, sampleShuffle] = time(() =>
  new RandomState(1234).shuffle(Uint32Array.from({ length: numSamples }, (_, index) => index)),
);
const [maps, total] = time(() =>
  buildIndexMaps({ sizes, documents: { start: 0, end: documents }, numSamples, sequenceLength, seed: 1234 }),
);

const script = `
import time, numpy as np
n, s = ${documents}, ${numSamples}
r = np.random.RandomState(1234); a = np.arange(n, dtype=np.int32); t = time.perf_counter(); r.shuffle(a); d = time.perf_counter() - t
r = np.random.RandomState(1234); b = np.arange(s, dtype=np.uint32); t = time.perf_counter(); r.shuffle(b); e = time.perf_counter() - t
print(d * 1000, e * 1000)`;
const python = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
const [numpyDocuments, numpySamples] =
  python.status === 0 ? python.stdout.trim().split(' ').map(Number) : [Number.NaN, Number.NaN];
const format = (milliseconds: number | undefined): string =>
  milliseconds === undefined || Number.isNaN(milliseconds) ? 'n/a' : `${milliseconds.toFixed(0)} ms`;

console.log(
  `index maps: ${documents.toLocaleString('en-US')} documents, ${tokens.toLocaleString('en-US')} tokens, ${maps.shuffleIndex.length.toLocaleString('en-US')} samples of ${sequenceLength + 1} tokens`,
);
console.table([
  {
    step: 'doc_idx shuffle (1M int32)',
    '@aquila/train': format(documentShuffle),
    'numpy RandomState': format(numpyDocuments),
  },
  { step: 'shuffle_idx shuffle', '@aquila/train': format(sampleShuffle), 'numpy RandomState': format(numpySamples) },
  {
    step: 'all three maps (buildIndexMaps)',
    '@aquila/train': format(total),
    'numpy RandomState': 'n/a (sample_idx is C++ in Megatron)',
  },
]);
