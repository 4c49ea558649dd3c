import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPropertyInWorker } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../errors.js';
import { openCheckpoint } from './open-checkpoint.js';
import { openSafetensors } from './safetensors-reader.js';
import { writeSafetensors } from './safetensors-writer.js';

let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'aquila-formats-safetensors-'));
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

function fileWithHeader(header: unknown, dataLength: number, headerLengthOverride?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(headerLengthOverride ?? BigInt(json.length));
  return Buffer.concat([length, json, Buffer.alloc(dataLength)]);
}

async function openBytes(name: string, bytes: Uint8Array) {
  const path = join(workspace, name);
  await writeFile(path, bytes);
  return openSafetensors({ path });
}

describe('openSafetensors', () => {
  it('reads F32, F16 and BF16 tensors back as float32', async () => {
    const values = Float32Array.of(1, -2.5, 0.333251953125, 65504, 1e-3, 0);
    const path = join(workspace, 'dtypes.safetensors');
    await writeSafetensors({
      path,
      tensors: [
        { name: 'a.f32', dtype: 'F32', shape: [2, 3], values },
        { name: 'b.f16', dtype: 'F16', shape: [6], values },
        { name: 'c.bf16', dtype: 'BF16', shape: [3, 2], values },
      ],
    });
    const checkpoint = await openSafetensors({ path });
    expect(checkpoint.tensors.map(({ name, dtype, shape }) => `${name} ${dtype} [${shape.join(',')}]`)).toEqual([
      'a.f32 F32 [2,3]',
      'b.f16 F16 [6]',
      'c.bf16 BF16 [3,2]',
    ]);
    expect([...(await checkpoint.read('a.f32'))]).toEqual([...values]);
    expect([...(await checkpoint.read('b.f16'))]).toEqual([1, -2.5, 0.333251953125, 65504, 0.0010004043579101562, 0]);
    expect([...(await checkpoint.read('c.bf16'))]).toEqual([1, -2.5, 0.333984375, 65536, 0.00099945068359375, 0]);
    await expect(checkpoint.read('missing')).rejects.toThrow(/no tensor named "missing"/);
    await checkpoint.close();
  });

  it('decodes a tensor larger than a read chunk (16 MiB of stored bytes) piece by piece, every element in place', async () => {
    // 9.5M BF16 values (19 MB): the chunk boundaries fall inside the tensor, and the last chunk is partial.
    const count = 9_500_003;
    const values = Float32Array.from({ length: count }, (_, index) => (index % 251) - 125);
    const path = join(workspace, 'large.safetensors');
    await writeSafetensors({
      path,
      tensors: [
        { name: 'small', dtype: 'F16', shape: [3], values: Float32Array.of(1, 2, 3) },
        { name: 'large.bf16', dtype: 'BF16', shape: [count], values },
        { name: 'large.f32', dtype: 'F32', shape: [count], values },
      ],
    });
    const checkpoint = await openSafetensors({ path });
    const same = (left: Float32Array, right: Float32Array): boolean =>
      Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(
        Buffer.from(right.buffer, right.byteOffset, right.byteLength),
      );
    expect(same(await checkpoint.read('large.bf16'), values)).toBe(true);
    expect(same(await checkpoint.read('large.f32'), values)).toBe(true);
    expect([...(await checkpoint.read('small'))]).toEqual([1, 2, 3]);
    await checkpoint.close();
  });

  it('opens a sharded folder through its index', async () => {
    const folder = join(workspace, 'sharded');
    await import('node:fs/promises').then(({ mkdir }) => mkdir(folder));
    await writeSafetensors({
      path: join(folder, 'one.safetensors'),
      tensors: [{ name: 'x', dtype: 'F32', shape: [2], values: Float32Array.of(1, 2) }],
    });
    await writeSafetensors({
      path: join(folder, 'two.safetensors'),
      tensors: [{ name: 'y', dtype: 'F32', shape: [1], values: Float32Array.of(3) }],
    });
    await writeFile(
      join(folder, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { x: 'one.safetensors', y: 'two.safetensors' } }),
    );
    const checkpoint = await openCheckpoint({ path: folder });
    expect(checkpoint.tensors.map((tensor) => tensor.name)).toEqual(['x', 'y']);
    expect([...(await checkpoint.read('y'))]).toEqual([3]);
    await checkpoint.close();
    await writeFile(
      join(folder, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { x: '../escape.safetensors' } }),
    );
    await expect(openCheckpoint({ path: folder })).rejects.toThrow(/not a file in the same folder/);
  });

  const lying: [string, Uint8Array, RegExp][] = [
    ['a file shorter than the length field', Uint8Array.of(1, 2, 3), /too short/],
    [
      'a header length past the end of the file',
      fileWithHeader({}, 0, 1n << 40n),
      /header length field says 1099511627776 bytes/,
    ],
    ['a header length of 2^64 − 1', fileWithHeader({}, 0, (1n << 64n) - 1n), /header length field/],
    ['a header that is not JSON', fileWithHeader('{"a": [', 0), /not valid JSON/],
    [
      'offsets past the data buffer',
      fileWithHeader({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8),
      /outside the data buffer of 8 bytes/,
    ],
    [
      'a length that disagrees with the shape',
      fileWithHeader({ w: { dtype: 'F32', shape: [1e15], data_offsets: [0, 8] } }, 8),
      /needs 4000000000000000/,
    ],
    [
      'overlapping tensors',
      fileWithHeader(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        12,
      ),
      /overlap/,
    ],
    [
      'begin after end',
      fileWithHeader({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 12),
      /outside the data buffer/,
    ],
    ['a non-weight dtype', fileWithHeader({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 8), /dtype "I64"/],
    [
      'a negative dimension',
      fileWithHeader({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4),
      /invalid shape/,
    ],
  ];
  it.each(lying)('rejects %s with a typed error naming the file', async (label, bytes, message) => {
    const error = await openBytes(`${label.replace(/\W+/g, '-')}.safetensors`, bytes).catch(
      (caught: unknown) => caught,
    );
    expect(CheckpointFormatError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('.safetensors');
  });

  it('opens an empty tensor at the start of another (found by the fuzz: it was called an overlap)', async () => {
    const checkpoint = await openBytes(
      'empty-first.safetensors',
      fileWithHeader(
        {
          '0': { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          empty: { dtype: 'F32', shape: [0], data_offsets: [0, 0] },
        },
        4,
      ),
    );
    expect(checkpoint.tensors.map((tensor) => tensor.name)).toEqual(['empty', '0']);
    expect((await checkpoint.read('empty')).length).toBe(0);
    await checkpoint.close();
  });

  it('answers values nested a hundred thousand deep and names that are not UTF-8 with typed errors', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const cases: Array<[string, Uint8Array, RegExp]> = [
      // Before: JSON.stringify of the shape in the message overflowed the stack (RangeError).
      [
        'deep-shape',
        fileWithHeader(`{"w": {"dtype": "F32", "shape": ${deep}, "data_offsets": [0, 4]}}`, 4),
        /tensor "w" has an invalid shape an array of 1 item/,
      ],
      [
        'deep-offsets',
        fileWithHeader(`{"w": {"dtype": "F32", "shape": [1], "data_offsets": ${deep}}}`, 4),
        /invalid data_offsets an array of 1 item/,
      ],
      [
        'deep-dtype',
        fileWithHeader(`{"w": {"dtype": ${deep}, "shape": [1], "data_offsets": [0, 4]}}`, 4),
        /has dtype an array of 1 item/,
      ],
      // Before: the name was read as "w\uFFFD" and the file opened.
      [
        'latin1-name',
        Buffer.concat([fileWithHeader('{"w\u0000": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', 4)]).fill(
          0xe9,
          8 + 3,
          8 + 4,
        ),
        /header is not UTF-8/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const error = await openBytes(`${name}.safetensors`, bytes).catch((caught: unknown) => caught);
      expect(CheckpointFormatError.isInstance(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    const folder = join(workspace, 'deep-index');
    await import('node:fs/promises').then(({ mkdir }) => mkdir(folder));
    await writeFile(join(folder, 'model.safetensors.index.json'), `{"weight_map": {"x": ${deep}}}`);
    await expect(openCheckpoint({ path: folder })).rejects.toThrow(
      /weight_map entry "x" names an array of 1 item, which is not a file in the same folder/,
    );
  });

  it('opens any mutated file with every tensor readable, or fails with a typed error (in a worker, under a time limit)', async () => {
    await checkPropertyInWorker({
      module: new URL('./safetensors-reader.properties.ts', import.meta.url),
      exportName: 'safetensorsOpensOrFailsTyped',
      timeoutMs: 120_000,
    });
  }, 150_000);
});
