import { type FileHandle, open } from 'node:fs/promises';
import { CheckpointFormatError } from '../errors.js';
import { decodeWeightsInto, littleEndian, type TensorDtype, tensorDtypeSizes } from './tensor-dtype.js';

/** One checkpoint file to open (what `openSafetensors` and `openTorchCheckpoint` take). */
export interface CheckpointFileOptions {
  /** The file: a `.safetensors` file, or a `torch.save` zip (`pytorch_model.bin`, `*.pt`). */
  path: string;
  signal?: AbortSignal;
}

/** Opens a checkpoint file for positioned reads; `kind` names it in the error ("the safetensors file"). */
export async function openCheckpointFile(options: CheckpointFileOptions & { kind: string }): Promise<FileHandle> {
  options.signal?.throwIfAborted();
  try {
    return await open(options.path, 'r');
  } catch (error) {
    throw new CheckpointFormatError(`${options.path}: cannot open ${options.kind} (${(error as Error).message}).`, {
      cause: error,
    });
  }
}

/** Reads `length` bytes at `position`, failing on a short read (a file truncated after opening). */
export async function readExactly(
  handle: FileHandle,
  file: string,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  await readInto(handle, file, position, bytes);
  return bytes;
}

async function readInto(handle: FileHandle, file: string, position: number, target: Uint8Array): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
    if (bytesRead === 0)
      throw new CheckpointFormatError(
        `${file}: unexpected end of file at byte ${position + done} (wanted ${target.length} bytes from ${position}); the file is truncated.`,
      );
    done += bytesRead;
  }
}

/** Stored bytes decoded at a time: a read holds the tensor's float32 values and one such chunk, not all its bytes too. */
const decodeChunkBytes = 16 * 2 ** 20;

/** Reads a tensor's `length` stored bytes at `position` as float32 values (F32 straight into them, others in chunks). */
export async function readTensorValues(
  handle: FileHandle,
  file: string,
  position: number,
  length: number,
  dtype: TensorDtype,
): Promise<Float32Array> {
  const size = tensorDtypeSizes[dtype];
  const values = new Float32Array(length / size);
  if (dtype === 'F32' && littleEndian) {
    await readInto(handle, file, position, new Uint8Array(values.buffer));
    return values;
  }
  const chunk = new Uint8Array(Math.min(length, decodeChunkBytes));
  for (let done = 0; done < length; done += chunk.length) {
    const bytes = chunk.subarray(0, Math.min(chunk.length, length - done));
    await readInto(handle, file, position + done, bytes);
    decodeWeightsInto(bytes, dtype, values.subarray(done / size));
  }
  return values;
}
