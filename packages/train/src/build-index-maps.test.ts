import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeIndexedDatasetIndex, encodeNpy } from '@aquila/formats';
import { fixturePath, needs } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { buildIndexMaps } from './build-index-maps.js';
import { IndexMapCacheError, IndexMapError } from './errors.js';
import { loadIndexMaps } from './load-index-maps.js';
import { splitDocuments } from './split-documents.js';

const fixtures = fixturePath('flagai', 'indexed_dataset');
const prefix = join(fixtures, 'demo_text_document');

async function readIndexSizes(path: string): Promise<Int32Array> {
  return decodeIndexedDatasetIndex(await readFile(path), path).sequenceLengths;
}

const numpy = needs({ numpy: true });

// An independent transcription of FlagAI/Megatron's _build_index_mappings in Python on numpy's own RandomState.
const megatronReference = String.raw`
import io, json, sys, numpy as np
def build(args):
    sizes = np.array(args['sizes'], dtype=np.int32)
    documents = np.arange(args['start'], args['end'], dtype=np.int32)
    seq_length, num_samples = args['seq_length'], args['num_samples']
    tokens_per_epoch = int(np.sum(sizes[documents]))
    num_epochs, total = 0, 0
    while True:
        num_epochs += 1; total += tokens_per_epoch
        if (total - 1) // seq_length >= num_samples: break
    rng = np.random.RandomState(seed=args['seed'])
    if num_epochs == 1:
        separate = False
    else:
        before = ((num_epochs - 1) * tokens_per_epoch - 1) // seq_length
        per_epoch = (tokens_per_epoch - 1) // seq_length
        separate = (num_samples - before) < int(0.80 * per_epoch)
    def doc_idx_of(epochs, sep):
        if not sep or epochs == 1:
            d = np.mgrid[0:epochs, 0:len(documents)][1]; d[:] = documents
            d = d.reshape(-1).astype(np.int32); rng.shuffle(d); return d
        return np.concatenate((doc_idx_of(epochs - 1, False), doc_idx_of(1, False)))
    doc_idx = doc_idx_of(num_epochs, separate)
    n = (num_epochs * tokens_per_epoch - 1) // seq_length
    sample_idx = np.zeros([n + 1, 2], dtype=np.int32)
    i, off = 0, 0
    for s in range(1, n + 1):
        remaining = seq_length + 1
        while remaining != 0:
            length = int(sizes[doc_idx[i]]) - off
            remaining -= length
            if remaining <= 0:
                off += remaining + length - 1; remaining = 0
            else:
                i += 1; off = 0
        sample_idx[s] = (i, off)
    count = before if separate else n
    first = np.arange(0, count, dtype=np.uint32); rng.shuffle(first)
    last = np.arange(count, n, dtype=np.uint32); rng.shuffle(last)
    shuffle_idx = np.concatenate((first, last)) if count != n else first
    out = {}
    for name, array in (('doc', doc_idx), ('sample', sample_idx), ('shuffle', shuffle_idx)):
        buffer = io.BytesIO(); np.save(buffer, array); out[name] = buffer.getvalue().hex()
    out['separate'] = bool(separate)
    return out
print(json.dumps([build(args) for args in json.loads(sys.stdin.read())]))
`;

describe('buildIndexMaps', () => {
  it.each([
    ['train', 0, 90],
    ['valid', 1, 10],
  ] as const)("reproduces FlagAI's demo %s index maps byte for byte", async (name, splitIndex, numSamples) => {
    const sizes = await readIndexSizes(`${prefix}.idx`);
    const boundaries = splitDocuments({ split: '90,10', size: sizes.length });
    expect(boundaries).toEqual([0, 18, 20, 20]);
    const maps = buildIndexMaps({
      sizes,
      documents: { start: boundaries[splitIndex] as number, end: boundaries[splitIndex + 1] as number },
      numSamples,
      sequenceLength: 1024,
      seed: 2023,
    });
    const stem = `${prefix}_${name}_indexmap_${numSamples}ns_1024sl_2023s`;
    expect(Buffer.from(encodeNpy({ data: maps.documentIndex }))).toEqual(await readFile(`${stem}_doc_idx.npy`));
    expect(Buffer.from(encodeNpy({ data: maps.sampleIndex, shape: [maps.sampleIndex.length / 2, 2] }))).toEqual(
      await readFile(`${stem}_sample_idx.npy`),
    );
    expect(Buffer.from(encodeNpy({ data: maps.shuffleIndex }))).toEqual(await readFile(`${stem}_shuffle_idx.npy`));
  });

  it.skipIf(numpy.skip)(
    `agrees with numpy on random datasets, including a separately shuffled last epoch ${numpy.label}`,
    () => {
      const trials = Array.from({ length: 12 }, (_, trial) => {
        const documentCount = 5 + ((trial * 37) % 200);
        const sizes = Array.from({ length: documentCount }, (_, index) => 1 + ((index * 7919 + trial * 104729) % 300));
        const start = trial % 3;
        const sequenceLength = [16, 64, 127, 512][trial % 4] as number;
        const tokens = sizes.slice(start).reduce((total, size) => total + size, 0);
        // Sample counts just past an epoch boundary (a separate last epoch) or well inside one.
        const perEpoch = Math.floor((tokens - 1) / sequenceLength);
        const numSamples = trial % 2 === 0 ? perEpoch * (1 + (trial % 3)) + 1 : Math.max(1, Math.floor(perEpoch * 0.6));
        return {
          sizes,
          start,
          end: documentCount,
          seq_length: sequenceLength,
          num_samples: numSamples,
          seed: trial * 1_000_003 + 7,
        };
      });
      const result = spawnSync('python3', ['-c', megatronReference], {
        input: JSON.stringify(trials),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      expect(result.stderr).toBe('');
      const expected = JSON.parse(result.stdout) as Array<{
        doc: string;
        sample: string;
        shuffle: string;
        separate: boolean;
      }>;
      let separateSeen = 0;
      trials.forEach((trial, index) => {
        const reference = expected[index] as { doc: string; sample: string; shuffle: string; separate: boolean };
        const maps = buildIndexMaps({
          sizes: trial.sizes,
          documents: { start: trial.start, end: trial.end },
          numSamples: trial.num_samples,
          sequenceLength: trial.seq_length,
          seed: trial.seed,
        });
        expect(maps.separateLastEpoch).toBe(reference.separate);
        if (reference.separate) separateSeen += 1;
        expect(Buffer.from(encodeNpy({ data: maps.documentIndex })).toString('hex')).toBe(reference.doc);
        expect(
          Buffer.from(encodeNpy({ data: maps.sampleIndex, shape: [maps.sampleIndex.length / 2, 2] })).toString('hex'),
        ).toBe(reference.sample);
        expect(Buffer.from(encodeNpy({ data: maps.shuffleIndex })).toString('hex')).toBe(reference.shuffle);
      });
      expect(separateSeen).toBeGreaterThan(0);
    },
  );

  it('rejects empty ranges, empty documents and bad lengths with IndexMapError', () => {
    expect(() =>
      buildIndexMaps({ sizes: [3, 4], documents: { start: 1, end: 1 }, numSamples: 1, sequenceLength: 2, seed: 1 }),
    ).toThrow(IndexMapError);
    expect(() =>
      buildIndexMaps({ sizes: [1], documents: { start: 0, end: 1 }, numSamples: 1, sequenceLength: 2, seed: 1 }),
    ).toThrow(/at least 2/);
    expect(() =>
      buildIndexMaps({ sizes: [3, 4], documents: { start: 0, end: 2 }, numSamples: 1, sequenceLength: 0, seed: 1 }),
    ).toThrow(/sequenceLength/);
    expect(() =>
      buildIndexMaps({ sizes: [3, 4], documents: { start: 0, end: 3 }, numSamples: 1, sequenceLength: 2, seed: 1 }),
    ).toThrow(/check the split/);
  });
});

describe('splitDocuments', () => {
  it("rounds halves to even like Python's round and absorbs the difference", () => {
    expect(splitDocuments({ split: '949,50,1', size: 1000 })).toEqual([0, 949, 999, 1000]);
    expect(splitDocuments({ split: '1/1', size: 5 })).toEqual([0, 3, 5, 5]);
    expect(splitDocuments({ split: '100', size: 7 })).toEqual([0, 7, 7, 7]);
    expect(() => splitDocuments({ split: '90,x', size: 7 })).toThrow(IndexMapError);
  });
});

describe('loadIndexMaps', () => {
  it('writes the cache with Megatron file names, then reads it back, and rejects a cache from another dataset', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-index-maps-'));
    try {
      const sizes = await readIndexSizes(`${prefix}.idx`);
      const options = {
        prefix,
        name: 'train',
        sizes,
        documents: { start: 0, end: 18 },
        numSamples: 90,
        sequenceLength: 1024,
        seed: 2023,
        cacheDirectory: directory,
      };
      const built = await loadIndexMaps(options);
      expect(built.cached).toBe(false);
      expect(built.files.documentIndex).toBe(
        join(directory, 'demo_text_document_train_indexmap_90ns_1024sl_2023s_doc_idx.npy'),
      );
      for (const [kind, file] of Object.entries(built.files)) {
        const suffix = { documentIndex: 'doc', sampleIndex: 'sample', shuffleIndex: 'shuffle' }[kind];
        expect(await readFile(file)).toEqual(
          await readFile(`${prefix}_train_indexmap_90ns_1024sl_2023s_${suffix}_idx.npy`),
        );
      }
      const cached = await loadIndexMaps(options);
      expect(cached.cached).toBe(true);
      expect(cached.sampleIndex).toEqual(built.sampleIndex);
      await expect(loadIndexMaps({ ...options, sizes: sizes.slice(0, 5) })).rejects.toThrow(IndexMapCacheError);
      await writeFile(built.files.shuffleIndex, 'not numpy');
      await expect(loadIndexMaps(options)).rejects.toThrow(/NUMPY magic/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
