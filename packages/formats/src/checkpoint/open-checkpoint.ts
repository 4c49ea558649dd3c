import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describeValue } from '@aquila/errors';
import { CheckpointFormatError, CheckpointTensorError } from '../errors.js';
import type { Checkpoint, CheckpointTensorInfo, ReadTensorOptions } from './checkpoint.js';
import { openSafetensors } from './safetensors-reader.js';
import { openTorchCheckpoint } from './torch-checkpoint-reader.js';

export interface OpenCheckpointOptions {
  /** A model folder, or one `.safetensors` / `.bin` / `.pt` file. */
  path: string;
  signal?: AbortSignal;
}

async function openFile(path: string, signal: AbortSignal | undefined): Promise<Checkpoint> {
  return path.endsWith('.safetensors') ? openSafetensors({ path, signal }) : openTorchCheckpoint({ path, signal });
}

/** The shard files an index (`model.safetensors.index.json`) names, checked to stay inside the folder. */
async function readShardIndex(path: string): Promise<string[]> {
  let index: unknown;
  try {
    index = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CheckpointFormatError(`${path}: cannot read the shard index (${(error as Error).message}).`, {
      cause: error,
    });
  }
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null)
    throw new CheckpointFormatError(`${path}: the shard index has no weight_map object.`);
  const files = new Set<string>();
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== 'string' || basename(file) !== file || file.startsWith('.')) {
      throw new CheckpointFormatError(
        `${path}: weight_map entry ${describeValue(name, 200)} names ${describeValue(file, 200)}, which is not a file in the same folder.`,
      );
    }
    files.add(file);
  }
  return [...files].sort();
}

function combine(parts: Checkpoint[]): Checkpoint {
  const owners = new Map<string, Checkpoint>();
  const tensors: CheckpointTensorInfo[] = [];
  for (const part of parts) {
    for (const tensor of part.tensors) {
      const existing = owners.get(tensor.name);
      if (existing)
        throw new CheckpointFormatError(
          `tensor "${tensor.name}" appears in both ${existing.get(tensor.name)?.file} and ${tensor.file}.`,
        );
      owners.set(tensor.name, part);
      tensors.push(tensor);
    }
  }
  return {
    tensors,
    get: (name) => owners.get(name)?.get(name),
    read(name: string, options?: ReadTensorOptions) {
      const owner = owners.get(name);
      if (!owner)
        return Promise.reject(
          new CheckpointTensorError(`no tensor named "${name}" in the checkpoint (${parts.length} files).`),
        );
      return owner.read(name, options);
    },
    async close() {
      await Promise.all(parts.map((part) => part.close()));
    },
  };
}

/**
 * Opens a checkpoint for tensor-by-tensor reads: a single safetensors or PyTorch zip file, or a folder
 * with a shard index (`model.safetensors.index.json`, `pytorch_model.bin.index.json`) or shard files.
 * Safetensors win over `.bin` files when a folder holds both.
 */
export async function openCheckpoint(options: OpenCheckpointOptions): Promise<Checkpoint> {
  const { path, signal } = options;
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw new CheckpointFormatError(`${path}: no such checkpoint file or folder.`, { cause: error });
  }
  if (!isDirectory) return openFile(path, signal);
  const names = await readdir(path);
  let files: string[];
  if (names.includes('model.safetensors.index.json'))
    files = await readShardIndex(join(path, 'model.safetensors.index.json'));
  else if (names.some((name) => name.endsWith('.safetensors')))
    files = names.filter((name) => name.endsWith('.safetensors')).sort();
  else if (names.includes('pytorch_model.bin.index.json'))
    files = await readShardIndex(join(path, 'pytorch_model.bin.index.json'));
  else files = names.filter((name) => name.endsWith('.bin') || name.endsWith('.pt') || name.endsWith('.pth')).sort();
  if (files.length === 0)
    throw new CheckpointFormatError(
      `${path}: no checkpoint files (*.safetensors, pytorch_model*.bin, *.pt) in the folder.`,
    );
  const parts: Checkpoint[] = [];
  try {
    for (const file of files) parts.push(await openFile(join(path, file), signal));
  } catch (error) {
    await Promise.all(parts.map((part) => part.close()));
    throw error;
  }
  return parts.length === 1 ? (parts[0] as Checkpoint) : combine(parts);
}
