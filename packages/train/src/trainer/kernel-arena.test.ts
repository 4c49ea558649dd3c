import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { compileGemm, renderModule } from '../../scripts/build-wasm.mjs';
import { gemmWasm } from './gemm-wasm.js';
import { KernelArena } from './kernel-arena.js';

describe('KernelArena.gemm', () => {
  function check(
    arena: KernelArena,
    size: number,
    shapes: fc.Arbitrary<[number, number, number]>,
    numRuns: number,
  ): void {
    const a = arena.allocate(size * size);
    const b = arena.allocate(size * size);
    const c = arena.allocate(size * size);
    const reference = new Float64Array(size * size);
    fc.assert(
      fc.property(shapes, fc.boolean(), fc.boolean(), fc.integer(), ([m, n, k], transposedA, accumulate, seed) => {
        let state = seed >>> 0;
        const next = (): number => {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          return state / 2 ** 32 - 0.5;
        };
        for (const buffer of [a, b, c]) for (let index = 0; index < buffer.length; index += 1) buffer[index] = next();
        // A is m × k row-major, or stored as its k × m transpose.
        const [rowStride, columnStride] = transposedA ? [1, m] : [k, 1];
        for (let row = 0; row < m; row += 1) {
          for (let column = 0; column < n; column += 1) {
            let sum = accumulate ? (c[row * n + column] as number) : 0;
            for (let p = 0; p < k; p += 1)
              sum += (a[row * rowStride + p * columnStride] as number) * (b[p * n + column] as number);
            reference[row * n + column] = sum;
          }
        }
        const untouched = c[m * n] as number;
        arena.gemm(a, rowStride, columnStride, b, c, m, n, k, accumulate);
        for (let index = 0; index < m * n; index += 1)
          expect(Math.abs((c[index] as number) - (reference[index] as number))).toBeLessThan(1e-4 * (1 + Math.sqrt(k)));
        expect(c[m * n]).toBe(untouched);
      }),
      { numRuns },
    );
  }

  it('matches a float64 reference for any shape, both layouts of A, and with or without accumulating', () => {
    const side = fc.integer({ min: 1, max: 70 });
    check(new KernelArena({ floats: 4 * 70 * 70 + 64, threads: 1 }), 70, fc.tuple(side, side, side), 150);
  });

  it('gives the same results when a helper thread takes half the rows of large multiplies', () => {
    const side = fc.integer({ min: 100, max: 160 });
    check(
      new KernelArena({ floats: 4 * 160 * 160 + 64, threads: 2 }),
      160,
      fc.tuple(fc.integer({ min: 8, max: 160 }), side, side),
      12,
    );
  });

  it('refuses operands outside the arena and allocations past its end', () => {
    const arena = new KernelArena({ floats: 16, threads: 1 });
    const inside = arena.allocate(4);
    expect(() => arena.gemm(new Float32Array(4), 2, 1, inside, inside, 2, 2, 2, false)).toThrow(/kernel arena/);
    expect(() => arena.allocate(1_000_000)).toThrow(/arena full/);
    expect(() => new KernelArena({ floats: 2 ** 31 })).toThrow(/4 GiB/);
  });

  it('runs the module compiled from gemm.wat as it stands', async () => {
    expect(renderModule(await compileGemm())).toBe(
      `// Generated from gemm.wat by scripts/build-wasm.mjs; do not edit.\nexport const gemmWasm = '${gemmWasm}';\n`,
    );
  });
});
