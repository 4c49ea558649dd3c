import { checkPropertyInWorker } from '@aquila/test-kit';
import { it } from 'vitest';

it('loads any mutated tokenizer.json to a working tokenizer or a typed error, within the time limit', async () => {
  await checkPropertyInWorker({
    module: new URL('./load-tokenizer.properties.ts', import.meta.url),
    exportName: 'tokenizerJsonLoadsOrFailsTyped',
    timeoutMs: 120_000,
  });
}, 150_000);

it('loads any mutated merges.txt against its vocabulary to a working tokenizer or a typed error, within the time limit', async () => {
  await checkPropertyInWorker({
    module: new URL('./load-tokenizer.properties.ts', import.meta.url),
    exportName: 'mergesTextLoadsOrFailsTyped',
    timeoutMs: 120_000,
  });
}, 150_000);
