import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleCommand, startModuleWorker } from './module-entry.js';

describe('module entries', () => {
  it('run the TypeScript source through tsx from the sources, and the build as it is from a build', () => {
    const source = moduleCommand({ from: import.meta.url, source: './test-support/echo-worker.ts', built: './x.js' });
    expect(source.path).toBe(fileURLToPath(new URL('./test-support/echo-worker.ts', import.meta.url)));
    expect(source.execArgv).toEqual([
      '--conditions=@aquila/source',
      '--import',
      expect.stringMatching(/^data:text\/javascript,/),
    ]);
    const built = moduleCommand({ from: 'file:///app/dist/index.js', source: '../src/x.ts', built: './x.js' });
    expect(built).toEqual({ path: '/app/dist/x.js', execArgv: [] });
  });

  it('start a TypeScript worker with its worker data', async () => {
    const worker = startModuleWorker({
      from: import.meta.url,
      source: './test-support/echo-worker.ts',
      workerData: { question: 'How many singers?' },
    });
    try {
      const [message] = await once(worker, 'message');
      expect(message).toEqual({ echo: { question: 'How many singers?' } });
    } finally {
      await worker.terminate();
    }
  });
});
