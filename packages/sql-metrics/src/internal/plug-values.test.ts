import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { plugGoldValues } from './plug-values.js';

const module = new URL('./plug-values.properties.ts', import.meta.url);

describe('plugGoldValues', () => {
  it("fills the prediction's value slots with the gold's values, but not LIMIT counts", () => {
    expect(
      plugGoldValues({
        gold: "SELECT a FROM t WHERE b = 'x' AND c > 3",
        pred: "SELECT a FROM t WHERE b = 'y' LIMIT 5",
      }),
    ).toEqual(["SELECT a FROM t WHERE b = 'x' LIMIT 5", 'SELECT a FROM t WHERE b = 3 LIMIT 5']);
    expect(plugGoldValues({ gold: 'SELECT 1', pred: 'SELECT a FROM t' })).toEqual([]);
  });

  it('stops before the variants outgrow memory', () => {
    const variants = plugGoldValues({
      gold: 'SELECT 1 FROM t WHERE a = 1 OR a = 2',
      pred: `SELECT 1 FROM t WHERE a = 0 AND b = '${'z'.repeat(4_000_000)}'`,
    });
    expect(variants.length).toBeGreaterThan(0);
    expect(variants.length).toBeLessThan(16);
  });
});

// In a worker with a wall-clock limit: quadratic or stuck scanning fails the test instead of stopping the suite.
describe('plugGoldValues properties', () => {
  it('plugs into the literals the regex it replaces found', async () => {
    await checkPropertyInWorker({ module, exportName: 'plugsTheLiteralsTheRegexFound', timeoutMs: 120_000 });
  });

  it('takes a 10 MB string and 500,000 literals in its stride', async () => {
    await checkPropertyInWorker({ module, exportName: 'longPredictionsInLinearTime', timeoutMs: 120_000 });
  });
});
