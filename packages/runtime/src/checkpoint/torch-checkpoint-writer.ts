import { open } from 'node:fs/promises';
import type { TensorToWrite } from './safetensors-writer.js';
import { encodeWeights } from './tensor-dtype.js';

const storageNames = { F32: 'FloatStorage', F16: 'HalfStorage', BF16: 'BFloat16Storage', F64: 'DoubleStorage' } as const;

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let index = 0; index < 256; index++) {
      let value = index;
      for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
      crcTable[index] = value >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Pickle opcodes for a `torch.save` state dict (protocol 2, the way torch writes it). */
class PickleBuilder {
  private bytes: number[] = [];
  raw(...values: number[]): this {
    this.bytes.push(...values);
    return this;
  }
  text(value: string): this {
    const encoded = new TextEncoder().encode(value);
    this.raw(0x58, encoded.length & 0xff, (encoded.length >> 8) & 0xff, (encoded.length >> 16) & 0xff, encoded.length >>> 24);
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
  const records: { name: string; data: Uint8Array }[] = [];
  options.tensors.forEach((tensor, index) => {
    const strides = tensor.shape.map((_, axis) => tensor.shape.slice(axis + 1).reduce((product, size) => product * size, 1));
    pickle.text(tensor.name).global('torch._utils', '_rebuild_tensor_v2').raw(0x28);
    pickle.raw(0x28).text('storage').global('torch', storageNames[tensor.dtype]).text(String(index)).text('cpu').integer(tensor.values.length).raw(0x74, 0x51);
    pickle.integer(0).tuple(tensor.shape).tuple(strides).raw(0x89).global('collections', 'OrderedDict').raw(0x29, 0x52, 0x74, 0x52);
    records.push({ name: `archive/data/${index}`, data: encodeWeights(tensor.values, tensor.dtype) });
  });
  pickle.raw(0x75);
  if (options.wrapInModule) pickle.raw(0x73);
  pickle.raw(0x2e);
  records.unshift({ name: 'archive/data.pkl', data: pickle.finish() });
  records.push({ name: 'archive/version', data: new TextEncoder().encode('3\n') });

  const handle = await open(options.path, 'w');
  try {
    let offset = 0;
    const directory: Uint8Array[] = [];
    for (const record of records) {
      const name = new TextEncoder().encode(record.name);
      const padding = (64 - ((offset + 30 + name.length + 4) % 64)) % 64;
      const local = Buffer.alloc(30 + name.length + 4 + padding);
      const crc = crc32(record.data);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(record.data.length, 18);
      local.writeUInt32LE(record.data.length, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(4 + padding, 28);
      local.set(name, 30);
      local.writeUInt16LE(0xcafe, 30 + name.length); // torch pads with a private extra field to align the data
      local.writeUInt16LE(padding, 32 + name.length);
      const central = Buffer.alloc(46 + name.length);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(20, 4);
      central.writeUInt16LE(20, 6);
      central.writeUInt32LE(crc, 16);
      central.writeUInt32LE(record.data.length, 20);
      central.writeUInt32LE(record.data.length, 24);
      central.writeUInt16LE(name.length, 28);
      central.writeUInt32LE(offset, 42);
      central.set(name, 46);
      directory.push(central);
      await handle.write(local);
      await handle.write(record.data);
      offset += local.length + record.data.length;
    }
    const directoryBytes = Buffer.concat(directory);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(records.length, 8);
    end.writeUInt16LE(records.length, 10);
    end.writeUInt32LE(directoryBytes.length, 12);
    end.writeUInt32LE(offset, 16);
    await handle.write(directoryBytes);
    await handle.write(end);
  } finally {
    await handle.close();
  }
}
