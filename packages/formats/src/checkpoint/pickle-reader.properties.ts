// Properties of the restricted pickle reader and the torch.save reader around it, run in a worker by
// torch-checkpoint-reader.test.ts: random opcode programs and mutated checkpoints give a value or a typed
// error, never a RangeError, a TypeError, a stack overflow, a hang or an exhausted heap.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CheckpointFormatError, CheckpointTensorError, UnsafePickleError } from '../errors.js';
import { readPickle } from './pickle-reader.js';
import { openTorchCheckpoint } from './torch-checkpoint-reader.js';
import { writeTorchCheckpoint } from './torch-checkpoint-writer.js';

const text = (value: string): number[] => {
  const bytes = [...new TextEncoder().encode(value)];
  return [0x8c, bytes.length, ...bytes];
};
const uint32 = (value: number): number[] => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];

/** One opcode with arguments of the right form: what a random program is made of. */
const instruction: fc.Arbitrary<number[]> = fc.oneof(
  fc.constantFrom<number[]>(
    [0x28],
    [0x7d],
    [0x5d],
    [0x29],
    [0x4e],
    [0x88],
    [0x89],
    [0x74],
    [0x85],
    [0x86],
    [0x87],
    [0x73],
    [0x75],
    [0x61],
    [0x65],
    [0x52],
    [0x62],
    [0x51],
    [0x93],
    [0x94],
    [0x2e],
    text('collections'),
    text('OrderedDict'),
    text('torch._utils'),
    text('_rebuild_tensor_v2'),
    text('_rebuild_parameter'),
    text('torch'),
    text('FloatStorage'),
    text('storage'),
    text('module'),
    text('cpu'),
    text('0'),
    [0x63, ...new TextEncoder().encode('collections\nOrderedDict\n')],
    [0x63, ...new TextEncoder().encode('torch._utils\n_rebuild_tensor_v2\n')],
    [0x63, ...new TextEncoder().encode('torch\nHalfStorage\n')],
    [0x63, ...new TextEncoder().encode('os\nsystem\n')],
  ),
  fc.integer({ min: 0, max: 255 }).map((value) => [0x4b, value]),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((value) => [0x4a, ...uint32(value >>> 0)]),
  fc.integer({ min: 0, max: 3 }).map((key) => [0x71, key]),
  fc.integer({ min: 0, max: 3 }).map((key) => [0x68, key]),
  fc.uint8Array({ maxLength: 9 }).map((bytes) => [0x8a, bytes.length, ...bytes]),
  fc.uint8Array({ maxLength: 4 }).map((bytes) => [0x43, bytes.length, ...bytes]),
  fc.integer({ min: 0, max: 255 }).map((opcode) => [opcode]),
  // Lengths far past the end: BINUNICODE, BINUNICODE8, BINBYTES.
  fc.constantFrom<number[]>(
    [0x58, 0xff, 0xff, 0xff, 0xff],
    [0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
    [0x42, 0, 0, 0, 0x80],
  ),
);

const program = fc.array(instruction, { maxLength: 40 }).map((parts) => Uint8Array.from([0x80, 2, ...parts.flat()]));

export function pickleProgramsGiveValueOrTypedError(): void {
  fc.assert(
    fc.property(program, (bytes) => {
      try {
        readPickle(bytes, { where: 'fuzz.bin (data.pkl)' });
      } catch (error) {
        if (!UnsafePickleError.isInstance(error)) throw error;
      }
    }),
    { numRuns: 10_000 },
  );
}

export async function mutatedCheckpointsOpenOrFailTyped(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'aquila-pickle-properties-'));
  try {
    const source = join(directory, 'source.bin');
    await writeTorchCheckpoint({
      path: source,
      wrapInModule: true,
      tensors: [
        {
          name: 'layers.0.attention.wq.weight',
          dtype: 'F32',
          shape: [2, 3],
          values: Float32Array.of(1, 2, 3, 4, 5, 6),
        },
        { name: 'norm.weight', dtype: 'F16', shape: [2], values: Float32Array.of(0.5, -1) },
      ],
    });
    const good = new Uint8Array(await readFile(source));
    const path = join(directory, 'fuzz.bin');
    const edit = fc.tuple(
      fc.nat(good.length - 1),
      fc.oneof(
        fc.integer({ min: 0, max: 255 }).map((value) => [value]),
        fc.constant([]),
        fc.uint8Array({ minLength: 1, maxLength: 3 }).map((bytes) => [...bytes]),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 5 }), async (edits) => {
        let bytes = [...good];
        for (const [at, replacement] of edits)
          bytes = [
            ...bytes.slice(0, at % (bytes.length + 1)),
            ...replacement,
            ...bytes.slice((at % (bytes.length + 1)) + 1),
          ];
        await writeFile(path, Uint8Array.from(bytes));
        try {
          const checkpoint = await openTorchCheckpoint({ path });
          try {
            for (const tensor of checkpoint.tensors) await checkpoint.read(tensor.name);
          } finally {
            await checkpoint.close();
          }
        } catch (error) {
          if (
            !(
              CheckpointFormatError.isInstance(error) ||
              UnsafePickleError.isInstance(error) ||
              CheckpointTensorError.isInstance(error)
            )
          )
            throw error;
        }
      }),
      { numRuns: 1200 },
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
