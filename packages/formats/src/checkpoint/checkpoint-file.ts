import { type FileHandle, open } from 'node:fs/promises';
import { CheckpointFormatError } from '../errors.js';

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
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0)
      throw new CheckpointFormatError(
        `${file}: unexpected end of file at byte ${position + done} (wanted ${length} bytes from ${position}); the file is truncated.`,
      );
    done += bytesRead;
  }
  return bytes;
}
