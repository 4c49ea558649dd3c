import { readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readmeExampleFolder } from '@aquila/test-kit';
import { expect, it, vi } from 'vitest';

it('the README example runs as written, in a folder of its own, and prints what its comments say', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = /^```ts\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  expect(example).toContain("from '@aquila/formats'");
  // The example writes its files beside it (relative paths); `@aquila/formats` resolves to this package's sources.
  const folder = await readmeExampleFolder('formats');
  const directory = folder.directory;
  const printed: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => {
    printed.push(values);
  });
  const workingDirectory = process.cwd();
  try {
    await writeFile(join(directory, 'example.ts'), example as string);
    process.chdir(directory);
    await import(join(directory, 'example.ts'));
    expect((await readdir(directory)).sort()).toEqual([
      'example.ts',
      'tiny.safetensors',
      'tiny_text_document.bin',
      'tiny_text_document.idx',
    ]);
  } finally {
    process.chdir(workingDirectory);
    log.mockRestore();
    await folder.remove();
  }
  expect(printed).toEqual([[['weight F32 [2,2]', 'bias F16 [2]']], [Float32Array.of(0.5, -1)], ['int32', 2, [4, 5]]]);
});
