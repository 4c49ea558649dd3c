import { expect, it } from 'vitest';

it('exports the public API and nothing else', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toEqual([
    'ChecksumMismatchError',
    'DownloadError',
    'downloadHubFiles',
    'isModelFile',
    'listHubFiles',
    'resolveHubRevision',
  ]);
});
