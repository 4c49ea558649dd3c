// Properties of the safetensors reader, run in a worker by safetensors-reader.test.ts: any file, however its
// header is mutated, opens with every tensor readable or fails with a CheckpointFormatError naming the file,
// never a RangeError, a TypeError, a stack overflow or a hang; and well-formed files always open.
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CheckpointFormatError } from '../errors.js';
import { openSafetensors } from './safetensors-reader.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const header: { [key: string]: Json } = {
  __metadata__: { format: 'pt' },
  'model.embed_tokens.weight': { dtype: 'F16', shape: [3, 2], data_offsets: [0, 12] },
  'model.norm.weight': { dtype: 'F32', shape: [2], data_offsets: [12, 20] },
  'lm_head.weight': { dtype: 'BF16', shape: [2, 2], data_offsets: [20, 28] },
  scalar: { dtype: 'F64', shape: [], data_offsets: [28, 36] },
};
const dataLength = 36;

/** Paths to every value of the header, for structural mutations. */
const paths: string[][] = [];
for (const [name, entry] of Object.entries(header)) {
  paths.push([name]);
  for (const key of Object.keys(entry as object)) paths.push([name, key]);
}

const replacement: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json | undefined>(
    undefined,
    'F32',
    'F16',
    'BF16',
    'F64',
    'I64',
    'f32',
    '',
    -1,
    0,
    1.5,
    2 ** 53,
    1e308,
    [],
    [0],
    [1, 0],
    [0, 1e20],
    [-4, 4],
    [0, 36],
    [[[[]]]],
    {},
  ),
  fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 3 }),
);

function encode(headerValue: Json, options: { lengthOverride?: bigint; pad?: string; data?: number }): Uint8Array {
  const json = Buffer.from(JSON.stringify(headerValue) + (options.pad ?? ''));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(options.lengthOverride ?? BigInt(json.length));
  return Buffer.concat([length, json, Buffer.alloc(options.data ?? dataLength, 0x3c)]);
}

const structural = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...paths), replacement), { minLength: 1, maxLength: 3 }),
    fc.constantFrom('', ' ', '  \n'),
    fc.oneof(
      { arbitrary: fc.constant(dataLength), weight: 3 },
      { arbitrary: fc.integer({ min: 0, max: 48 }), weight: 1 },
    ),
  )
  .map(([edits, pad, data]) => {
    const root = structuredClone(header) as { [key: string]: { [key: string]: Json } | Json };
    for (const [[name, key], value] of edits) {
      if (key === undefined) {
        if (value === undefined) delete root[name as string];
        else root[name as string] = value;
        continue;
      }
      const entry = root[name as string];
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
      if (value === undefined) delete entry[key];
      else entry[key] = value;
    }
    return encode(root as Json, { pad, data });
  });

const good = encode(header, {});
const bytewise = fc
  .tuple(
    fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    fc.nat(good.length),
  )
  .map(([edits, keep]) => {
    const bytes = good.slice(0, keep);
    for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
    return bytes;
  });

/** Well-formed files of random tensors, in any order of names and offsets, with gaps: these must open and read. */
const wellFormed = fc
  .array(
    fc.tuple(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.constantFrom('F32', 'F16', 'BF16', 'F64'),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      fc.integer({ min: 0, max: 5 }),
    ),
    { maxLength: 5 },
  )
  .chain((tensors) =>
    fc.tuple(
      fc.constant(tensors),
      fc.shuffledSubarray(
        tensors.map((_, index) => index),
        { minLength: tensors.length, maxLength: tensors.length },
      ),
      fc.integer({ min: 0, max: 9 }),
    ),
  )
  .map(([tensors, order, tail]) => {
    const sizes: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
    const root: { [key: string]: Json } = {};
    let offset = 0;
    for (const index of order) {
      const [name, dtype, shape, gap] = tensors[index] as [string, string, number[], number];
      if (name === '__metadata__' || name in root) continue;
      const length = shape.reduce((product, size) => product * size, 1) * (sizes[dtype] as number);
      root[name] = { dtype, shape, data_offsets: [offset + gap, offset + gap + length] };
      offset += gap + length;
    }
    return encode(root, { data: offset + tail });
  });

const lengthField = fc
  .oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 400n }))
  .map((length) => encode(header, { lengthOverride: length }));

export async function safetensorsOpensOrFailsTyped(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'aquila-safetensors-properties-'));
  const path = join(directory, 'fuzz.safetensors');
  try {
    const broken = fc.oneof(structural, bytewise, lengthField).map((bytes) => ({ bytes, valid: false }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          broken,
          wellFormed.map((bytes) => ({ bytes, valid: true })),
        ),
        async ({ bytes, valid }) => {
          await writeFile(path, bytes);
          let checkpoint: Awaited<ReturnType<typeof openSafetensors>>;
          try {
            checkpoint = await openSafetensors({ path });
          } catch (error) {
            if (!valid && CheckpointFormatError.isInstance(error) && error.message.includes('fuzz.safetensors')) return;
            throw error;
          }
          try {
            for (const tensor of checkpoint.tensors) {
              const values = await checkpoint.read(tensor.name);
              const elements = tensor.shape.reduce((product, size) => product * size, 1);
              if (values.length !== elements)
                throw new Error(`${tensor.name}: ${values.length} values for shape [${tensor.shape.join(', ')}]`);
            }
          } finally {
            await checkpoint.close();
          }
        },
      ),
      { numRuns: 2000 },
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
