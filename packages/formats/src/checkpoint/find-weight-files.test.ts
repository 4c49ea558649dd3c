import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../errors.js';
import { findWeightFiles } from './find-weight-files.js';
import { openCheckpoint } from './open-checkpoint.js';
import { writeSafetensors } from './safetensors-writer.js';
import { writeTorchCheckpoint } from './torch-checkpoint-writer.js';

let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'aquila-formats-find-'));
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

async function folderWith(name: string, files: Record<string, string>): Promise<string> {
  const folder = join(workspace, name);
  await mkdir(folder);
  for (const [file, text] of Object.entries(files)) await writeFile(join(folder, file), text);
  return folder;
}

const found = async (path: string): Promise<string[]> =>
  (await findWeightFiles({ path })).files.map((file) => basename(file));

describe('findWeightFiles', () => {
  it("opens a trainer's output folder by its weights, never optimizer or trainer state", async () => {
    const folder = join(workspace, 'trainer-output');
    await mkdir(folder);
    await writeTorchCheckpoint({
      path: join(folder, 'pytorch_model.bin'),
      tensors: [{ name: 'w', dtype: 'F32', shape: [2], values: Float32Array.of(1, 2) }],
    });
    // Not zips at all: opening any of them would fail the whole checkpoint.
    for (const name of ['optimizer.pt', 'scheduler.pt', 'training_args.bin', 'rng_state_0.pth', 'rng_state.pth'])
      await writeFile(join(folder, name), 'not a weight file');
    expect(await found(folder)).toEqual(['pytorch_model.bin']);
    const checkpoint = await openCheckpoint({ path: folder });
    expect([...(await checkpoint.read('w'))]).toEqual([1, 2]);
    await checkpoint.close();
  });

  it('prefers an index, then model*.safetensors, pytorch_model*.bin and consolidated*.pth, in that order', async () => {
    const all = {
      'model-00001-of-00002.safetensors': '',
      'model-00002-of-00002.safetensors': '',
      'pytorch_model.bin': '',
      'consolidated.00.pth': '',
      'optimizer.pt': '',
    };
    const indexed = await folderWith('indexed', {
      ...all,
      'model.safetensors.index.json': JSON.stringify({
        weight_map: { a: 'shard-b.safetensors', b: 'shard-a.safetensors' },
      }),
    });
    expect(await findWeightFiles({ path: indexed })).toMatchObject({
      folder: indexed,
      foundBy: 'model.safetensors.index.json',
    });
    expect(await found(indexed)).toEqual(['shard-a.safetensors', 'shard-b.safetensors']);
    expect(await found(await folderWith('safetensors', all))).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    const { 'model-00001-of-00002.safetensors': _, 'model-00002-of-00002.safetensors': __, ...noSafetensors } = all;
    expect(await found(await folderWith('bin', noSafetensors))).toEqual(['pytorch_model.bin']);
    expect(
      await found(await folderWith('meta', { 'consolidated.00.pth': '', 'params.json': '{}', 'optimizer.pt': '' })),
    ).toEqual(['consolidated.00.pth']);
  });

  it('takes one file, or an index, named directly', async () => {
    const folder = await folderWith('direct', {
      'checkpoint-final.pt': '',
      'pytorch_model.bin.index.json': '{"weight_map":{"x":"a.bin"}}',
    });
    expect(await findWeightFiles({ path: join(folder, 'checkpoint-final.pt') })).toEqual({
      folder,
      files: [join(folder, 'checkpoint-final.pt')],
      foundBy: 'the file given',
    });
    expect(await found(join(folder, 'pytorch_model.bin.index.json'))).toEqual(['a.bin']);
    await expect(findWeightFiles({ path: join(folder, 'nope.bin') })).rejects.toThrow(/no such checkpoint file/);
  });

  it('names what a folder without weight files holds, and finds model-parallel Meta shards as one checkpoint, with typed errors', async () => {
    const trainerOnly = await folderWith('trainer-only', {
      'optimizer.pt': '',
      'training_args.bin': '',
      'notes.txt': '',
    });
    const error = await findWeightFiles({ path: trainerOnly }).catch((caught: unknown) => caught);
    expect(CheckpointFormatError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /no weight files .*model\*\.safetensors.*; it holds optimizer\.pt, training_args\.bin, which are not read as weights by name .*pass the weight file itself/,
    );
    const text = await folderWith('text-file', { 'config.json': '{}' });
    await expect(findWeightFiles({ path: join(text, 'config.json') })).rejects.toThrow(/not a weight file/);
    const sharded = await folderWith('meta-13b', { 'consolidated.00.pth': '', 'consolidated.01.pth': '' });
    expect(await findWeightFiles({ path: sharded })).toMatchObject({
      files: [join(sharded, 'consolidated.00.pth'), join(sharded, 'consolidated.01.pth')],
      modelParallel: true,
    });
    // One shard alone is a slice of every tensor: the folder is what converts.
    await expect(findWeightFiles({ path: join(sharded, 'consolidated.01.pth') })).rejects.toThrow(
      /consolidated\.01\.pth is one of the model-parallel shards consolidated\.00\.pth, consolidated\.01\.pth.*name the folder/,
    );
    const single = await folderWith('meta-7b', { 'consolidated.00.pth': '' });
    expect(await findWeightFiles({ path: join(single, 'consolidated.00.pth') })).not.toHaveProperty('modelParallel');
  });

  it('reads a safetensors file named directly, beside files that are not weights', async () => {
    const folder = await folderWith('single', { 'optimizer.pt': '' });
    await writeSafetensors({
      path: join(folder, 'weights.safetensors'),
      tensors: [{ name: 'x', dtype: 'F16', shape: [1], values: Float32Array.of(0.5) }],
    });
    const checkpoint = await openCheckpoint({ path: join(folder, 'weights.safetensors') });
    expect([...(await checkpoint.read('x'))]).toEqual([0.5]);
    await checkpoint.close();
  });
});
