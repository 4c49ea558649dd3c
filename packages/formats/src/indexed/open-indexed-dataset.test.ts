import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPropertyInWorker, fixturePath } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexedDatasetFormatError, IndexedDatasetNotFoundError } from '../errors.js';
import { encodeIndexedDatasetIndex } from './indexed-dataset-index.js';
import { openIndexedDataset } from './open-indexed-dataset.js';
import { writeIndexedDataset } from './write-indexed-dataset.js';

const demoPrefix = fixturePath('flagai', 'indexed_dataset', 'demo_text_document');
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-open-indexed-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('openIndexedDataset: what a user may give it', () => {
  it('reads the pair when given the .bin or the .idx instead of the prefix', async () => {
    const prefix = join(directory, 'pair');
    await writeIndexedDataset({ prefix, vocabularySize: 50_000, documents: [[1, 2], [3]] });
    for (const given of [prefix, `${prefix}.bin`, `${prefix}.idx`]) {
      const dataset = await openIndexedDataset({ prefix: given });
      expect({
        prefix: dataset.prefix,
        documents: dataset.documentCount,
        first: Array.from(await dataset.readDocument(0)),
      }).toEqual({ prefix, documents: 2, first: [1, 2] });
      await dataset.close();
    }
  });

  it('a prefix with no files, half a pair, or a folder: a typed error naming the paths it looked for', async () => {
    const prefix = join(directory, 'nothing');
    await expect(openIndexedDataset({ prefix })).rejects.toThrow(
      new IndexedDatasetNotFoundError(
        `no indexed dataset at ${prefix}: ${prefix}.idx does not exist and ${prefix}.bin does not exist; give the prefix of a .bin/.idx pair (for out/x_text_document.bin and .idx, give out/x_text_document).`,
      ),
    );
    const half = join(directory, 'half');
    await writeFile(`${half}.idx`, await readFile(`${demoPrefix}.idx`));
    await expect(openIndexedDataset({ prefix: `${half}.idx` })).rejects.toThrow(
      `no indexed dataset at ${half}.idx: ${half}.bin does not exist; give the prefix`,
    );
    const folder = join(directory, 'folder');
    await mkdir(`${folder}.idx`);
    await writeFile(`${folder}.bin`, '');
    await expect(openIndexedDataset({ prefix: folder })).rejects.toThrow(
      `no indexed dataset at ${folder}: ${folder}.idx is not a file; give the prefix`,
    );
  });

  it('files that are not an MMIDIDX index: a typed error naming the file and the offset', async () => {
    const good = await readFile(`${demoPrefix}.idx`);
    const prefix = join(directory, 'broken');
    await writeFile(`${prefix}.bin`, await readFile(`${demoPrefix}.bin`));
    const cases: [Uint8Array, string][] = [
      [
        Buffer.from('{"text": "this is JSONL, not an index"}\n'),
        'the 9 bytes at offset 0 are not the magic MMIDIDX\\x00\\x00',
      ],
      [good.subarray(0, good.length - 8), `which need ${good.length} bytes, but the file has ${good.length - 8}`],
      [
        Buffer.concat([
          good.subarray(0, 18),
          Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
          good.subarray(26),
        ]),
        'the header counts 9223372036854775807 sequences (offset 18)',
      ],
    ];
    for (const [bytes, problem] of cases) {
      await writeFile(`${prefix}.idx`, bytes);
      const opening = openIndexedDataset({ prefix });
      await expect(opening).rejects.toThrow(IndexedDatasetFormatError);
      await expect(opening).rejects.toThrow(`${prefix}.idx: `);
      await expect(opening).rejects.toThrow(problem);
    }
    const lengths = Buffer.from(
      encodeIndexedDatasetIndex({
        dtype: 'int32',
        sequenceLengths: Int32Array.from([2, 1]),
        sequencePointers: BigInt64Array.from([0n, 9n]),
        documentIndices: BigInt64Array.from([0n, 2n]),
      }),
    );
    await writeFile(`${prefix}.idx`, lengths);
    await expect(openIndexedDataset({ prefix })).rejects.toThrow(
      `${prefix}.idx: sequence 1 points at byte 9 of the .bin, expected 8 (offset 50)`,
    );
  });

  it('random and mutated index bytes give an index or an IndexedDatasetFormatError, never another error (in a worker, so a hang fails)', async () => {
    await checkPropertyInWorker({
      module: new URL('./indexed-dataset-index.properties.ts', import.meta.url),
      exportName: 'decodeAcceptsOrRefuses',
      timeoutMs: 120_000,
    });
    await checkPropertyInWorker({
      module: new URL('./indexed-dataset-index.properties.ts', import.meta.url),
      exportName: 'encodeDecodeRoundTrips',
      timeoutMs: 120_000,
    });
  });
});
