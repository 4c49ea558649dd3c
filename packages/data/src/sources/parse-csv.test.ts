import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, it } from 'vitest';

const module = new URL('./parse-csv.properties.ts', import.meta.url);

// In a worker with a wall-clock limit: a parser stuck in a loop fails the test instead of stopping the suite.
describe('CSV reader properties', () => {
  it('parses whatever a CSV writer wrote, however the text is chunked', async () => {
    await checkPropertyInWorker({ module, exportName: 'parsesWhatAWriterWrote', timeoutMs: 120_000 });
  });

  it('any text gives rows or a SourceFormatError, the same in any chunks', async () => {
    await checkPropertyInWorker({ module, exportName: 'anyTextParsesTheSameInAnyChunks', timeoutMs: 120_000 });
  });

  it('a file with a BOM and CRLF reads back as the table written, whatever the read size', async () => {
    await checkPropertyInWorker({ module, exportName: 'filesReadBackWithBomAndCrlf', timeoutMs: 120_000 });
  });
});
