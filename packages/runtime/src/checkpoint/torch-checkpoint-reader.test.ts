import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError, CheckpointTensorError, UnsafePickleError } from '../errors.js';
import { temporaryDirectory } from '../test-support/tiny-models.js';
import { readPickle } from './pickle-reader.js';
import { openTorchCheckpoint } from './torch-checkpoint-reader.js';
import { writeTorchCheckpoint } from './torch-checkpoint-writer.js';

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('torch');
});
afterAll(async () => {
  await workspace.remove();
});

const tensors = [
  { name: 'layers.0.attention.wq.weight', dtype: 'F32' as const, shape: [2, 3], values: Float32Array.of(1, 2, 3, 4, 5, 6) },
  { name: 'norm.weight', dtype: 'F16' as const, shape: [2], values: Float32Array.of(0.5, -1) },
  { name: 'output.weight', dtype: 'BF16' as const, shape: [1, 2], values: Float32Array.of(2, 3) },
];

describe('openTorchCheckpoint', () => {
  it.each([false, true])('reads a torch.save zip state dict (wrapped in "module": %s)', async (wrapInModule) => {
    const path = join(workspace.path, `state-${wrapInModule}.bin`);
    await writeTorchCheckpoint({ path, tensors, wrapInModule });
    const checkpoint = await openTorchCheckpoint({ path });
    expect(checkpoint.tensors.map(({ name, dtype, shape }) => `${name} ${dtype} [${shape.join(',')}]`)).toEqual([
      'layers.0.attention.wq.weight F32 [2,3]',
      'norm.weight F16 [2]',
      'output.weight BF16 [1,2]',
    ]);
    expect([...(await checkpoint.read('layers.0.attention.wq.weight'))]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...(await checkpoint.read('norm.weight'))]).toEqual([0.5, -1]);
    expect([...(await checkpoint.read('output.weight'))]).toEqual([2, 3]);
    await expect(checkpoint.read('nope')).rejects.toSatisfy((error) => CheckpointTensorError.isInstance(error));
    await checkpoint.close();
  });

  it('refuses a pickle that asks to run code, before anything runs', () => {
    // The classic payload: os.system('echo pwned') through GLOBAL + REDUCE.
    const payload = new TextEncoder().encode("cos\nsystem\n(S'echo pwned'\ntR.");
    expect(() => readPickle(payload, { where: 'evil.bin (data.pkl)' })).toThrow(UnsafePickleError);
    expect(() => readPickle(payload, { where: 'evil.bin (data.pkl)' })).toThrow(/names "os.system".*refusing/);
    const stackGlobal = Uint8Array.from([0x80, 4, 0x8c, 8, ...new TextEncoder().encode('builtins'), 0x8c, 4, ...new TextEncoder().encode('eval'), 0x93, 0x2e]);
    expect(() => readPickle(stackGlobal, { where: 'x' })).toThrow(/"builtins.eval"/);
    expect(() => readPickle(Uint8Array.of(0x80, 2, 0x69), { where: 'x' })).toThrow(/opcode 0x69 is outside/);
  });

  it('rejects a truncated zip and a legacy (non-zip) file with typed errors', async () => {
    const path = join(workspace.path, 'whole.bin');
    await writeTorchCheckpoint({ path, tensors });
    const bytes = await readFile(path);
    await writeFile(join(workspace.path, 'cut.bin'), bytes.subarray(0, bytes.length - 30));
    await expect(openTorchCheckpoint({ path: join(workspace.path, 'cut.bin') })).rejects.toSatisfy((error) => CheckpointFormatError.isInstance(error));
    await writeFile(join(workspace.path, 'legacy.bin'), Uint8Array.of(0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19));
    await expect(openTorchCheckpoint({ path: join(workspace.path, 'legacy.bin') })).rejects.toThrow(/not a PyTorch zip checkpoint/);
  });

  it('never fails with anything but a typed error on corrupted checkpoints', async () => {
    const path = join(workspace.path, 'fuzz-source.bin');
    await writeTorchCheckpoint({ path, tensors });
    const good = new Uint8Array(await readFile(path));
    const fuzzPath = join(workspace.path, 'fuzz.bin');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), async (edits) => {
        const bytes = good.slice();
        for (const [at, value] of edits) bytes[at] = value;
        await writeFile(fuzzPath, bytes);
        try {
          const checkpoint = await openTorchCheckpoint({ path: fuzzPath });
          for (const tensor of checkpoint.tensors) await checkpoint.read(tensor.name);
          await checkpoint.close();
        } catch (error) {
          expect(CheckpointFormatError.isInstance(error) || UnsafePickleError.isInstance(error) || CheckpointTensorError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reads arbitrary pickled bytes without crashing or hanging', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          readPickle(Uint8Array.of(0x80, 2, ...bytes), { where: 'fuzz' });
        } catch (error) {
          expect(UnsafePickleError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
