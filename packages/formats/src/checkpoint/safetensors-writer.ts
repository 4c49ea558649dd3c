import { openAtomicWriteStream } from '@aquila/files';
import { encodeWeights, type TensorDtype, tensorDtypeSizes } from './tensor-dtype.js';

/** A tensor to write: float32 values stored as `dtype` (I64 and BOOL for the buffers some state dicts carry). */
export interface TensorToWrite {
  name: string;
  dtype: TensorDtype;
  shape: readonly number[];
  values: Float32Array;
}

export interface WriteSafetensorsOptions {
  path: string;
  tensors: readonly TensorToWrite[];
  metadata?: Record<string, string>;
}

/** Writes a safetensors file (header padded to 8 bytes, tensors in the given order), complete or not at all. */
export async function writeSafetensors(options: WriteSafetensorsOptions): Promise<void> {
  const header: Record<string, unknown> = options.metadata ? { __metadata__: options.metadata } : {};
  let offset = 0;
  for (const tensor of options.tensors) {
    const length = tensor.values.length * tensorDtypeSizes[tensor.dtype];
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const file = await openAtomicWriteStream({ path: options.path });
  try {
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    await file.write(length);
    await file.write(json);
    for (const tensor of options.tensors) await file.write(encodeWeights(tensor.values, tensor.dtype));
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}
