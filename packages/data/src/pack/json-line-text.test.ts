import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, it } from 'vitest';

const module = new URL('./json-line-text.properties.ts', import.meta.url);

describe('JSONL lines of packJsonl (properties, in a worker with a wall-clock limit)', () => {
  it('any line gives a document or a BadLineError at its file:line', async () => {
    await checkPropertyInWorker({ module, exportName: 'anyLineReadsOrRefuses', timeoutMs: 120_000 });
  });

  it('lines written by JSON.stringify read back exactly', async () => {
    await checkPropertyInWorker({ module, exportName: 'writtenLinesReadBack', timeoutMs: 120_000 });
  });
});
