import { CheckpointFormatError, CheckpointTensorError } from '../errors.js';
import type { Checkpoint, CheckpointTensorInfo, ReadTensorOptions } from './checkpoint.js';
import { findWeightFiles } from './find-weight-files.js';
import { mergeModelParallelShards } from './model-parallel-shards.js';
import { openSafetensors } from './safetensors-reader.js';
import { openTorchCheckpoint } from './torch-checkpoint-reader.js';

export interface OpenCheckpointOptions {
  /** A model folder, one `.safetensors` / `.bin` / `.pt` / `.pth` file, or a shard index (`*.index.json`). */
  path: string;
  signal?: AbortSignal;
}

async function openFile(path: string, signal: AbortSignal | undefined): Promise<Checkpoint> {
  return path.endsWith('.safetensors') ? openSafetensors({ path, signal }) : openTorchCheckpoint({ path, signal });
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
 * Opens a checkpoint for tensor-by-tensor reads: a single safetensors or PyTorch zip file, a shard index,
 * or a folder, whose weight files `findWeightFiles` picks (its index, else `model*.safetensors`,
 * `pytorch_model*.bin` or `consolidated*.pth`; never optimizer or trainer state). Meta's model-parallel
 * `consolidated.NN.pth` shards read as one checkpoint of whole tensors.
 */
export async function openCheckpoint(options: OpenCheckpointOptions): Promise<Checkpoint> {
  const { path, signal } = options;
  const { files, modelParallel } = await findWeightFiles({ path });
  const parts: Checkpoint[] = [];
  try {
    for (const file of files) parts.push(await openFile(file, signal));
  } catch (error) {
    await Promise.all(parts.map((part) => part.close()));
    throw error;
  }
  if (parts.length === 1) return parts[0] as Checkpoint;
  try {
    return modelParallel ? mergeModelParallelShards(parts, files) : combine(parts);
  } catch (error) {
    await Promise.all(parts.map((part) => part.close()));
    throw error;
  }
}
