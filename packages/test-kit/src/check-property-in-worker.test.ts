import { describe, expect, it } from 'vitest';
import { checkPropertyInWorker } from './check-property-in-worker.js';

const module = new URL('./fixtures/properties.ts', import.meta.url);

describe('checkPropertyInWorker', () => {
  it('resolves when the property holds', async () => {
    await checkPropertyInWorker({ module, exportName: 'passes', timeoutMs: 30_000 });
  });

  it("rejects with fast-check's counterexample when it fails", async () => {
    await expect(checkPropertyInWorker({ module, exportName: 'fails', timeoutMs: 30_000 })).rejects.toThrow(
      /Counterexample/,
    );
  });

  it('fails a synchronous endless loop after the wall-clock limit instead of hanging', async () => {
    const started = Date.now();
    await expect(checkPropertyInWorker({ module, exportName: 'hangs', timeoutMs: 1500 })).rejects.toThrow(
      /did not finish within 1500 ms/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
