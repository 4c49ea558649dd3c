import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPropertyInWorker } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError, CheckpointTensorError, UnsafePickleError } from '../errors.js';
import { maximumPickleValues, readPickle } from './pickle-reader.js';
import { openTorchCheckpoint } from './torch-checkpoint-reader.js';
import { writeTorchCheckpoint } from './torch-checkpoint-writer.js';
import { writeStoredZip } from './zip-writer.js';

let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'aquila-formats-torch-'));
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

const tensors = [
  {
    name: 'layers.0.attention.wq.weight',
    dtype: 'F32' as const,
    shape: [2, 3],
    values: Float32Array.of(1, 2, 3, 4, 5, 6),
  },
  { name: 'norm.weight', dtype: 'F16' as const, shape: [2], values: Float32Array.of(0.5, -1) },
  { name: 'output.weight', dtype: 'BF16' as const, shape: [1, 2], values: Float32Array.of(2, 3) },
];

describe('openTorchCheckpoint', () => {
  it.each([false, true])('reads a torch.save zip state dict (wrapped in "module": %s)', async (wrapInModule) => {
    const path = join(workspace, `state-${wrapInModule}.bin`);
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

  it('reads int64 and bool buffers beside the weights instead of refusing the file', async () => {
    const path = join(workspace, 'buffers.bin');
    await writeTorchCheckpoint({
      path,
      tensors: [
        ...tensors,
        { name: 'embeddings.position_ids', dtype: 'I64', shape: [1, 4], values: Float32Array.of(0, 1, 2, 3) },
        { name: 'attn.bias', dtype: 'BOOL', shape: [2, 2], values: Float32Array.of(1, 0, 1, 1) },
      ],
    });
    const checkpoint = await openTorchCheckpoint({ path });
    expect(checkpoint.get('embeddings.position_ids')).toMatchObject({ dtype: 'I64', shape: [1, 4] });
    expect(checkpoint.get('attn.bias')).toMatchObject({ dtype: 'BOOL', shape: [2, 2] });
    expect([...(await checkpoint.read('embeddings.position_ids'))]).toEqual([0, 1, 2, 3]);
    expect([...(await checkpoint.read('attn.bias'))]).toEqual([1, 0, 1, 1]);
    expect([...(await checkpoint.read('norm.weight'))]).toEqual([0.5, -1]);
    await checkpoint.close();
  });

  it('refuses a pickle that asks to run code, before anything runs', () => {
    // The classic payload: os.system('echo pwned') through GLOBAL + REDUCE.
    const payload = new TextEncoder().encode("cos\nsystem\n(S'echo pwned'\ntR.");
    expect(() => readPickle(payload, { where: 'evil.bin (data.pkl)' })).toThrow(UnsafePickleError);
    expect(() => readPickle(payload, { where: 'evil.bin (data.pkl)' })).toThrow(/names "os.system".*refusing/);
    const stackGlobal = Uint8Array.from([
      0x80,
      4,
      0x8c,
      8,
      ...new TextEncoder().encode('builtins'),
      0x8c,
      4,
      ...new TextEncoder().encode('eval'),
      0x93,
      0x2e,
    ]);
    expect(() => readPickle(stackGlobal, { where: 'x' })).toThrow(/"builtins.eval"/);
    expect(() => readPickle(Uint8Array.of(0x80, 2, 0x69), { where: 'x' })).toThrow(/opcode 0x69 is outside/);
  });

  it('rejects a truncated zip and a legacy (non-zip) file with typed errors', async () => {
    const path = join(workspace, 'whole.bin');
    await writeTorchCheckpoint({ path, tensors });
    const bytes = await readFile(path);
    await writeFile(join(workspace, 'cut.bin'), bytes.subarray(0, bytes.length - 30));
    await expect(openTorchCheckpoint({ path: join(workspace, 'cut.bin') })).rejects.toSatisfy((error) =>
      CheckpointFormatError.isInstance(error),
    );
    await writeFile(
      join(workspace, 'legacy.bin'),
      Uint8Array.of(0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19),
    );
    await expect(openTorchCheckpoint({ path: join(workspace, 'legacy.bin') })).rejects.toThrow(
      /not a PyTorch zip checkpoint/,
    );
  });

  const short = (text: string): number[] => [0x8c, text.length, ...new TextEncoder().encode(text)];

  it('reads APPENDS of 200,000 items (spreading them as arguments overflowed the stack)', () => {
    const items = new Array<number>(200_000).fill(0x4e);
    const list = readPickle(Uint8Array.from([0x80, 2, 0x5d, 0x28, ...items, 0x65, 0x2e]), {
      where: 'long.bin (data.pkl)',
    });
    expect((list as unknown[]).length).toBe(200_000);
  });

  it('refuses a pickle that pushes more values than any checkpoint, before it exhausts memory', () => {
    const marks = new Uint8Array(maximumPickleValues + 3).fill(0x28);
    marks.set([0x80, 2], 0);
    expect(() => readPickle(marks, { where: 'marks.bin (data.pkl)' })).toThrow(
      /marks\.bin \(data\.pkl\): the pickle pushes more than 4000000 values/,
    );
  });

  it('finds no state dict in a dict that holds itself, or in dicts nested 100,000 deep, with a typed error', async () => {
    // {"module": <itself>} through the memo: the recursive search never ended (a stack overflow).
    const cyclic = Uint8Array.from([0x80, 2, 0x7d, 0x71, 0, ...short('module'), 0x68, 0, 0x73, 0x2e]);
    const depth = 100_000;
    const nested: number[] = [0x80, 2];
    for (let level = 0; level < depth; level++) nested.push(0x7d, ...short('module'));
    nested.push(0x7d, ...new Array<number>(depth).fill(0x73), 0x2e);
    for (const [name, pickle] of [
      ['cyclic', cyclic],
      ['nested', Uint8Array.from(nested)],
    ] as const) {
      const path = join(workspace, `${name}.bin`);
      await writeStoredZip({ path, records: [{ name: 'archive/data.pkl', data: pickle }] });
      const error = await openTorchCheckpoint({ path }).catch((caught: unknown) => caught);
      expect(CheckpointFormatError.isInstance(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(
        name === 'cyclic'
          ? /no tensors found in the pickle \(its dict has 1 key: "module"\)/
          : /no tensors found in the pickle \(its dict is empty\)/,
      );
    }
  });

  it('reads a zip64 extra field only within its entry (a field claiming more bytes ran off the directory)', async () => {
    const path = join(workspace, 'extra.bin');
    // The name's last four bytes become the extra field once the lengths are patched: id 1 (zip64), 16 bytes long.
    await writeStoredZip({
      path,
      records: [{ name: 'archive/data.pkl\u0001\u0000\u0010\u0000', data: Uint8Array.of(0x80, 2, 0x7d, 0x2e) }],
    });
    const bytes = await readFile(path);
    const directory = bytes.readUInt32LE(bytes.length - 22 + 16);
    bytes.writeUInt32LE(0xffffffff, directory + 24);
    bytes.writeUInt16LE(bytes.readUInt16LE(directory + 28) - 4, directory + 28);
    bytes.writeUInt16LE(4, directory + 30);
    await writeFile(path, bytes);
    const error = await openTorchCheckpoint({ path }).catch((caught: unknown) => caught);
    expect(CheckpointFormatError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/short zip64 extra field for "archive\/data\.pkl"/);
  });

  it('reads 10,000 random opcode programs to a value or a typed error (in a worker, under a time limit)', async () => {
    await checkPropertyInWorker({
      module: new URL('./pickle-reader.properties.ts', import.meta.url),
      exportName: 'pickleProgramsGiveValueOrTypedError',
      timeoutMs: 120_000,
    });
  }, 150_000);

  it('opens mutated checkpoints (bytes changed, cut out, put in) or fails with a typed error (in a worker, under a time limit)', async () => {
    await checkPropertyInWorker({
      module: new URL('./pickle-reader.properties.ts', import.meta.url),
      exportName: 'mutatedCheckpointsOpenOrFailTyped',
      timeoutMs: 120_000,
    });
  }, 150_000);
});
