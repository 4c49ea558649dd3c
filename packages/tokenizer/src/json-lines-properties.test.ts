import { checkPropertyInWorker } from '@aquila/test-kit';
import { it } from 'vitest';

const module = new URL('./json-lines.properties.ts', import.meta.url);

it('encodes random JSONL lines to exactly the records in them, each other line a numbered bad line', async () => {
  await checkPropertyInWorker({ module, exportName: 'encodeLinesGiveRecordsOrBadLines', timeoutMs: 120_000 });
}, 150_000);

it('decodes random id lines to exactly the records in them, each other line a numbered bad line', async () => {
  await checkPropertyInWorker({ module, exportName: 'decodeLinesGiveRecordsOrBadLines', timeoutMs: 120_000 });
}, 150_000);
