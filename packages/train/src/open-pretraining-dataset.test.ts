import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, needs } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { IndexMapError } from './errors.js';
import { openPretrainingDataset } from './open-pretraining-dataset.js';

const fixtures = fixturePath('flagai', 'indexed_dataset');
const numpy = needs({ numpy: true });

// GPTDataset.__getitem__ over the committed FlagAI maps, in numpy.
const getitem = String.raw`
import json, sys, struct, numpy as np
d = sys.argv[1] + '/'; stem = d + 'demo_text_document_train_indexmap_90ns_1024sl_2023s_'
doc = np.load(stem + 'doc_idx.npy'); smp = np.load(stem + 'sample_idx.npy'); shf = np.load(stem + 'shuffle_idx.npy')
b = open(d + 'demo_text_document.idx', 'rb').read(); n = struct.unpack('<Q', b[18:26])[0]
sizes = np.frombuffer(b, np.int32, n, 34); ptrs = np.frombuffer(b, np.int64, n, 34 + 4 * n)
data = np.fromfile(d + 'demo_text_document.bin', dtype=np.uint16)
get = lambda i: data[ptrs[i] // 2: ptrs[i] // 2 + sizes[i]]
out = []
for i in json.loads(sys.argv[2]):
    j = shf[i]; f, l = smp[j][0], smp[j + 1][0]; of, ol = smp[j][1], smp[j + 1][1]
    if f == l: s = get(doc[f])[of:ol + 1]
    else: s = np.concatenate([get(doc[f])[of:]] + [get(doc[k]) for k in range(f + 1, l)] + [get(doc[l])[:ol + 1]])
    out.append(s.astype(np.int64).tolist())
print(json.dumps(out))`;

describe('openPretrainingDataset', () => {
  it.skipIf(numpy.skip)(`returns GPTDataset's samples for FlagAI's demo dataset ${numpy.label}`, async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-pretraining-'));
    try {
      // A copy, so the maps are rebuilt here rather than read from the fixture cache.
      for (const extension of ['bin', 'idx'])
        await copyFile(
          join(fixtures, `demo_text_document.${extension}`),
          join(directory, `demo_text_document.${extension}`),
        );
      const dataset = await openPretrainingDataset({
        prefix: join(directory, 'demo_text_document'),
        split: '90,10',
        name: 'train',
        numSamples: 90,
        sequenceLength: 1024,
        seed: 2023,
      });
      expect(dataset.maps.cached).toBe(false);
      expect(dataset.length).toBe(94);
      const indices = [0, 1, 17, 50, 93];
      const expected = JSON.parse(
        spawnSync('python3', ['-c', getitem, fixtures, JSON.stringify(indices)], { encoding: 'utf8' }).stdout,
      ) as number[][];
      for (const [position, index] of indices.entries()) {
        const sample = await dataset.sample(index);
        expect(sample.length).toBe(1025);
        expect(Array.from(sample)).toEqual(expected[position]);
      }
      expect(Array.from(await dataset.sample(94))).toEqual(expected[0]);
      await dataset.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('reports an empty split and a missing dataset', async () => {
    await expect(
      openPretrainingDataset({
        prefix: join(fixtures, 'demo_text_document'),
        split: '100,0',
        name: 'valid',
        numSamples: 1,
        sequenceLength: 8,
        seed: 1,
      }),
    ).rejects.toThrow(IndexMapError);
    await expect(
      openPretrainingDataset({
        prefix: join(fixtures, 'no_such_document'),
        split: '1',
        name: 'train',
        numSamples: 1,
        sequenceLength: 8,
        seed: 1,
      }),
    ).rejects.toThrow(/no_such_document/);
  });
});
