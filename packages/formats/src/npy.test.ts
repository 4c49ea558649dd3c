import { spawnSync } from 'node:child_process';
import { needs } from '@aquila/test-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NpyFormatError } from './errors.js';
import { decodeNpy, encodeNpy } from './npy.js';

const numpy = needs({ numpy: true });

describe('encodeNpy / decodeNpy', () => {
  it.skipIf(numpy.skip)(`writes the bytes np.save writes, for several dtypes and shapes ${numpy.label}`, () => {
    const cases: Array<{ dtype: string; shape: number[]; data: Parameters<typeof encodeNpy>[0]['data'] }> = [
      { dtype: 'int32', shape: [7], data: new Int32Array([1, -2, 3, 4, 5, 6, 7]) },
      { dtype: 'uint32', shape: [0], data: new Uint32Array(0) },
      { dtype: 'int32', shape: [3, 2], data: new Int32Array([0, 0, 1, 5, 2, 9]) },
      { dtype: 'float32', shape: [2, 2, 1], data: new Float32Array([0.5, 1.5, -2, 3]) },
      { dtype: 'int64', shape: [3], data: new BigInt64Array([1n, -2n, 3n]) },
    ];
    const script = String.raw`
import io, json, sys, numpy as np
out = []
for case in json.loads(sys.stdin.read()):
    b = io.BytesIO(); np.save(b, np.array(case['data'], dtype=case['dtype']).reshape(case['shape'])); out.append(b.getvalue().hex())
print(json.dumps(out))`;
    const input = JSON.stringify(
      cases.map(({ dtype, shape, data }) => ({
        dtype,
        shape,
        data: Array.from(data as ArrayLike<number | bigint>, Number),
      })),
    );
    const expected = JSON.parse(spawnSync('python3', ['-c', script], { input, encoding: 'utf8' }).stdout) as string[];
    cases.forEach(({ shape, data }, index) => {
      const bytes = encodeNpy({ data, shape });
      expect(Buffer.from(bytes).toString('hex')).toBe(expected[index]);
      expect(decodeNpy({ bytes })).toEqual({
        dtype: { int32: '<i4', uint32: '<u4', float32: '<f4', int64: '<i8' }[cases[index]?.dtype ?? ''],
        shape,
        data,
      });
    });
  });

  it('round-trips any int32 matrix', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 64 }),
        fc.boolean(),
        (values, pairs) => {
          const even = values.slice(0, values.length - (values.length % 2));
          const shape = pairs ? [even.length / 2, 2] : [even.length];
          const decoded = decodeNpy({ bytes: encodeNpy({ data: new Int32Array(even), shape }) });
          return (
            decoded.shape.join() === shape.join() &&
            Array.from(decoded.data as ArrayLike<number>).join() === even.join()
          );
        },
      ),
    );
  });

  it('rejects damaged files with NpyFormatError naming the source', () => {
    const good = encodeNpy({ data: new Int32Array([1, 2, 3]) });
    expect(() => decodeNpy({ bytes: good.subarray(0, good.length - 1), source: 'x.npy' })).toThrow(
      /x\.npy: shape \(3,\) of <i4 needs 12 data bytes/,
    );
    expect(() => decodeNpy({ bytes: new Uint8Array([1, 2, 3]) })).toThrow(NpyFormatError);
    const fortran = new TextDecoder('latin1').decode(good).replace('False', 'True ');
    expect(() => decodeNpy({ bytes: Uint8Array.from(fortran, (character) => character.charCodeAt(0)) })).toThrow(
      /Fortran/,
    );
    const otherType = new TextDecoder('latin1').decode(good).replace('<i4', '<c8');
    expect(() => decodeNpy({ bytes: Uint8Array.from(otherType, (character) => character.charCodeAt(0)) })).toThrow(
      /dtype <c8/,
    );
    expect(() => encodeNpy({ data: new Int32Array(3), shape: [2, 2] })).toThrow(NpyFormatError);
  });
});
