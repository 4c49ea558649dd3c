import { createHash } from 'node:crypto';
import { type StandInHub, serveStandInHub } from '@aquila/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DownloadError } from './errors.js';
import { listHubFiles } from './list-hub-files.js';
import { resolveHubRevision } from './resolve-hub-revision.js';

const parquet = Buffer.from('PAR1 not really parquet PAR1');
let hub: StandInHub;
beforeAll(async () => {
  hub = await serveStandInHub({
    datasets: {
      'org/set': {
        main: { commit: 'a'.repeat(40), files: { 'data.csv': 'a,b\n1,2\n' } },
        'refs/convert/parquet': { commit: 'b'.repeat(40), files: { 'default/train/0000.parquet': parquet } },
      },
    },
  });
});
afterAll(() => hub.close());

const options = () => ({ repo: 'org/set', repoType: 'dataset' as const, endpoint: hub.endpoint });

it('resolves branches to commits, the conversion branch as one path segment; a commit needs no request', async () => {
  expect(await resolveHubRevision(options())).toBe('a'.repeat(40));
  expect(await resolveHubRevision({ ...options(), revision: 'refs/convert/parquet' })).toBe('b'.repeat(40));
  hub.requests.length = 0;
  expect(await resolveHubRevision({ ...options(), revision: 'c'.repeat(40) })).toBe('c'.repeat(40));
  expect(hub.requests).toEqual([]);
  const missing = resolveHubRevision({ ...options(), revision: 'nope' });
  await expect(missing).rejects.toThrow(DownloadError);
  await expect(missing).rejects.toThrow(
    /^resolving org\/set@nope to a commit at http:\/\/127\.0\.0\.1:\d+ failed with HTTP 404/,
  );
});

it('lists the files of a branch whose name has slashes, with the LFS SHA-256 of parquet files and no folders', async () => {
  hub.requests.length = 0;
  expect(await listHubFiles({ ...options(), revision: 'refs/convert/parquet' })).toEqual([
    {
      path: 'default/train/0000.parquet',
      size: parquet.length,
      oid: expect.stringMatching(/^[0-9a-f]{40}$/),
      sha256: createHash('sha256').update(parquet).digest('hex'),
    },
  ]);
  expect(hub.requests).toEqual(['GET /api/datasets/org/set/tree/refs%2Fconvert%2Fparquet']);
});
