import type { TensorToWrite } from './safetensors-writer.js';
import { encodeWeights } from './tensor-dtype.js';
import { writeStoredZip, type ZipRecord } from './zip-writer.js';

const storageNames = {
  F32: 'FloatStorage',
  F16: 'HalfStorage',
  BF16: 'BFloat16Storage',
  F64: 'DoubleStorage',
  I64: 'LongStorage',
  BOOL: 'BoolStorage',
} as const;

/** Pickle opcodes for a `torch.save` state dict (protocol 2, the way torch writes it). */
class PickleBuilder {
  private bytes: number[] = [];
  raw(...values: number[]): this {
    this.bytes.push(...values);
    return this;
  }
  text(value: string): this {
    const encoded = new TextEncoder().encode(value);
    this.raw(
      0x58,
      encoded.length & 0xff,
      (encoded.length >> 8) & 0xff,
      (encoded.length >> 16) & 0xff,
      encoded.length >>> 24,
    );
    return this.raw(...encoded);
  }
  global(module: string, name: string): this {
    return this.raw(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  integer(value: number): this {
    return this.raw(0x4a, value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff);
  }
  tuple(values: readonly number[]): this {
    this.raw(0x28);
    for (const value of values) this.integer(value);
    return this.raw(0x74);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export interface WriteTorchCheckpointOptions {
  path: string;
  tensors: readonly TensorToWrite[];
  /** Wraps the state dict as `{"module": state_dict}`, as FlagAI's training checkpoints do. */
  wrapInModule?: boolean;
}

/** Writes a PyTorch zip checkpoint (`torch.save` of a state dict): data.pkl plus one storage record per tensor, 64-byte aligned. */
export async function writeTorchCheckpoint(options: WriteTorchCheckpointOptions): Promise<void> {
  const pickle = new PickleBuilder().raw(0x80, 2);
  if (options.wrapInModule) pickle.raw(0x7d).text('module');
  pickle.global('collections', 'OrderedDict').raw(0x29, 0x52, 0x28);
  const records: ZipRecord[] = [];
  options.tensors.forEach((tensor, index) => {
    const strides = tensor.shape.map((_, axis) =>
      tensor.shape.slice(axis + 1).reduce((product, size) => product * size, 1),
    );
    pickle.text(tensor.name).global('torch._utils', '_rebuild_tensor_v2').raw(0x28);
    pickle
      .raw(0x28)
      .text('storage')
      .global('torch', storageNames[tensor.dtype])
      .text(String(index))
      .text('cpu')
      .integer(tensor.values.length)
      .raw(0x74, 0x51);
    pickle
      .integer(0)
      .tuple(tensor.shape)
      .tuple(strides)
      .raw(0x89)
      .global('collections', 'OrderedDict')
      .raw(0x29, 0x52, 0x74, 0x52);
    records.push({ name: `archive/data/${index}`, data: encodeWeights(tensor.values, tensor.dtype) });
  });
  pickle.raw(0x75);
  if (options.wrapInModule) pickle.raw(0x73);
  pickle.raw(0x2e);
  records.unshift({ name: 'archive/data.pkl', data: pickle.finish() });
  records.push({ name: 'archive/version', data: new TextEncoder().encode('3\n') });

  await writeStoredZip({ path: options.path, records });
}
