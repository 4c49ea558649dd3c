import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, needs } from '@aquila/test-kit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexedDatasetFormatError, LossMaskLengthError, TokenRangeError } from '../errors.js';
import { decodeIndexedDatasetIndex, encodeIndexedDatasetIndex, optimalDtype } from './indexed-dataset-index.js';
import { createIndexedDatasetWriter } from './indexed-dataset-writer.js';
import { openIndexedDataset } from './open-indexed-dataset.js';
import { createSftIndexedDatasetWriter } from './sft-indexed-dataset-writer.js';
import { writeIndexedDataset } from './write-indexed-dataset.js';

const demoPrefix = fixturePath('flagai', 'indexed_dataset', 'demo_text_document');
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-indexed-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

// Megatron's reader, transcribed to numpy only: header, version, dtype code, sizes int32, pointers int64, doc_idx int64.
const numpyReader = `
import json, struct, sys
import numpy as np
DT = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}
prefix = sys.argv[1]
b = open(prefix + '.idx', 'rb').read()
assert b[:9] == b'MMIDIDX\\x00\\x00'
assert struct.unpack('<Q', b[9:17])[0] == 1
dt = np.dtype(DT[b[17]])
n, nd = struct.unpack('<QQ', b[18:34]); o = 34
sizes = np.frombuffer(b, np.int32, n, o); o += 4 * n
ptrs = np.frombuffer(b, np.int64, n, o); o += 8 * n
doc = np.frombuffer(b, np.int64, nd, o); o += 8 * nd
assert o == len(b)
assert doc[0] == 0 and doc[-1] == n and (np.diff(doc) >= 0).all()
assert (ptrs == np.concatenate([[0], np.cumsum(sizes.astype(np.int64) * dt.itemsize)[:-1]])).all()
data = np.memmap(prefix + '.bin', dtype=dt, mode='r') if n and sizes.sum() else np.zeros(0, dt)
assert data.size == sizes.sum()
docs = [np.frombuffer(data, dt, int(sizes[i]), int(ptrs[i])).tolist() for i in range(n)]
print(json.dumps({'dtype': str(dt), 'documents': docs, 'doc_idx': doc.tolist()}))
`;
const numpy = needs({ numpy: true });

function readWithNumpy(prefix: string): { dtype: string; documents: number[][]; doc_idx: number[] } {
  const result = spawnSync('python3', ['-c', numpyReader, prefix], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { dtype: string; documents: number[][]; doc_idx: number[] };
}

describe('Megatron MMIDIDX format', () => {
  it('re-encodes the FlagAI demo .idx from its parsed contents byte for byte', async () => {
    const bytes = await readFile(`${demoPrefix}.idx`);
    const index = decodeIndexedDatasetIndex(bytes);
    expect(index.dtype).toBe('uint16');
    expect(index.sequenceLengths.length).toBe(20);
    expect(index.documentIndices.length).toBe(21);
    expect(Buffer.from(encodeIndexedDatasetIndex(index)).equals(bytes)).toBe(true);
  });

  it('the streaming writer reproduces the demo .bin and .idx from the documents it reads back', async () => {
    const demo = await openIndexedDataset({ prefix: demoPrefix });
    const prefix = join(directory, 'demo-copy');
    const summary = await writeIndexedDataset({ prefix, vocabularySize: 50_257, documents: demo.documents() });
    await demo.close();
    expect(summary).toMatchObject({ dtype: 'uint16', sequences: 20, documents: 20 });
    expect((await readFile(`${prefix}.idx`)).equals(await readFile(`${demoPrefix}.idx`))).toBe(true);
    expect((await readFile(`${prefix}.bin`)).equals(await readFile(`${demoPrefix}.bin`))).toBe(true);
  });

  it('chooses the dtype as Megatron does', () => {
    expect(optimalDtype(50_257)).toBe('uint16');
    expect(optimalDtype(65_499)).toBe('uint16');
    expect(optimalDtype(65_500)).toBe('int32');
    expect(optimalDtype(100_008)).toBe('int32');
  });

  it('round trips arbitrary documents, with FlagAI and FlagScale framing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 100_007 }), { maxLength: 40 }), { maxLength: 12 }),
        fc.boolean(),
        async (documents, flagAi) => {
          const prefix = join(directory, `round-trip-${flagAi}`);
          const framing = flagAi ? { bos: 100_006, eod: 100_007 } : { eod: 100_007 };
          await writeIndexedDataset({ prefix, vocabularySize: 100_008, ...framing, documents });
          const dataset = await openIndexedDataset({ prefix });
          const back: number[][] = [];
          for await (const document of dataset.documents()) back.push(Array.from(document as Int32Array));
          await dataset.close();
          expect(back).toEqual(documents.map((ids) => (flagAi ? [100_006, ...ids, 100_007] : [...ids, 100_007])));
        },
      ),
      { numRuns: 25 },
    );
  });

  it.skipIf(numpy.skip)(
    `a numpy reader gets back exactly the documents written, int32 and uint16 ${numpy.label}`,
    async () => {
      const documents = [[1, 2, 3], [], [65_535, 0], Array.from({ length: 300 }, (_, index) => index * 7)];
      for (const [vocabularySize, dtype] of [
        [100_008, 'int32'],
        [50_000, 'uint16'],
      ] as const) {
        const prefix = join(directory, `numpy-${dtype}`);
        await writeIndexedDataset({ prefix, vocabularySize, documents });
        const read = readWithNumpy(prefix);
        expect(read.dtype).toBe(dtype);
        expect(read.documents).toEqual(documents);
        expect(read.doc_idx).toEqual([0, 1, 2, 3, 4]);
      }
      const large = [[100_006, 99_999, 100_007]];
      const prefix = join(directory, 'numpy-aquila');
      await writeIndexedDataset({ prefix, vocabularySize: 100_008, documents: large });
      expect(readWithNumpy(prefix).documents).toEqual(large);
    },
  );

  it('sentence-level documents: several sequences per document', async () => {
    const prefix = join(directory, 'sentences');
    const writer = await createIndexedDatasetWriter({ prefix, dtype: 'uint16' });
    await writer.addSequence([1, 2]);
    await writer.addSequence([3]);
    writer.endDocument();
    await writer.addSequence([4]);
    expect(await writer.finish()).toMatchObject({ sequences: 3, documents: 2, tokens: 4 });
    const dataset = await openIndexedDataset({ prefix });
    expect(Array.from(dataset.index.documentIndices, Number)).toEqual([0, 2, 3]);
    expect(Array.from(await dataset.readDocument(0))).toEqual([1, 2, 3]);
    expect(Array.from(await dataset.readSequence(2))).toEqual([4]);
    await dataset.close();
  });

  it('refuses ids its dtype cannot hold and leaves no file behind', async () => {
    const prefix = join(directory, 'too-wide');
    await expect(writeIndexedDataset({ prefix, vocabularySize: 50_000, documents: [[1], [70_000]] })).rejects.toThrow(
      TokenRangeError,
    );
    expect((await readdir(directory)).filter((name) => name.startsWith('too-wide'))).toEqual([]);
  });

  it('an aborted build leaves nothing under the final names', async () => {
    const controller = new AbortController();
    const prefix = join(directory, 'aborted');
    async function* documents() {
      yield [1, 2, 3];
      controller.abort();
      yield [4];
    }
    await expect(writeIndexedDataset({ prefix, documents: documents(), signal: controller.signal })).rejects.toThrow();
    expect((await readdir(directory)).filter((name) => name.startsWith('aborted'))).toEqual([]);
  });

  it('rejects truncated or mismatched files with a typed error', async () => {
    const bytes = await readFile(`${demoPrefix}.idx`);
    expect(() => decodeIndexedDatasetIndex(bytes.subarray(0, 100), 'x.idx')).toThrow(IndexedDatasetFormatError);
    expect(() => decodeIndexedDatasetIndex(bytes.subarray(0, 20), 'x.idx')).toThrow(/shorter than the 34-byte header/);
    const prefix = join(directory, 'mismatch');
    await writeFile(`${prefix}.idx`, bytes);
    await writeFile(`${prefix}.bin`, (await readFile(`${demoPrefix}.bin`)).subarray(0, 1000));
    await expect(openIndexedDataset({ prefix })).rejects.toThrow(/incomplete or mismatched/);
  });

  it('writes the FlagScale loss-mask companion with identical lengths and document indices', async () => {
    const prefix = join(directory, 'sft');
    const writer = await createSftIndexedDatasetWriter({ prefix, vocabularySize: 100_008 });
    await writer.addDocument({ ids: [100_006, 5, 6, 7, 100_007], lossMask: [1, 0, 0, 1, 1] });
    await writer.addDocument({ ids: [100_006, 8, 100_007], lossMask: [1, 1, 1] });
    await expect(writer.addDocument({ ids: [1, 2], lossMask: [1] })).rejects.toThrow(LossMaskLengthError);
    const { text, lossMask } = await writer.finish();
    expect(text.idxPath).toBe(`${prefix}_text_document.idx`);
    expect(lossMask.idxPath).toBe(`${prefix}_loss_mask_document.idx`);
    const textIndex = decodeIndexedDatasetIndex(await readFile(text.idxPath));
    const maskIndex = decodeIndexedDatasetIndex(await readFile(lossMask.idxPath));
    expect(maskIndex).toEqual(textIndex);
    const masks = await openIndexedDataset({ prefix: `${prefix}_loss_mask_document` });
    expect(Array.from(await masks.readDocument(0))).toEqual([1, 0, 0, 1, 1]);
    await masks.close();
  });
});
