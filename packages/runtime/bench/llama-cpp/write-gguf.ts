import { openAtomicWriteStream } from '@aquila/files';
import { type GgmlType, ggmlTypes } from './ggml-blocks.js';

/** A GGUF metadata value: the scalar and array types this bench writes. */
export type GgufValue =
  | { type: 'uint32' | 'int32' | 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; elementType: 'int32' | 'float32'; values: ArrayLike<number> }
  | { type: 'array'; elementType: 'string'; values: readonly string[] };

export interface GgufTensor {
  name: string;
  /** ggml's order: `ne[0]` first, the contiguous axis (the inputs of a `[out, in]` Linear weight come first). */
  dimensions: readonly number[];
  type: GgmlType;
  /** The encoded bytes (quantizeGgmlBlocks). */
  data: Uint8Array;
}

export interface WriteGgufOptions {
  path: string;
  /** Key-value metadata in file order (`general.architecture` first, as llama.cpp's own files have it). */
  metadata: ReadonlyArray<readonly [string, GgufValue]>;
  tensors: readonly GgufTensor[];
  /** Data alignment (`general.alignment`, written when not the default 32). */
  alignment?: number;
}

const valueTypeIds = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;

/** Little-endian bytes appended to a growing list of chunks. */
class ByteSink {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  bytes(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  private scalar(size: number, write: (view: DataView) => void): void {
    const chunk = new Uint8Array(size);
    write(new DataView(chunk.buffer));
    this.bytes(chunk);
  }

  uint32(value: number): void {
    this.scalar(4, (view) => view.setUint32(0, value, true));
  }

  uint64(value: number): void {
    this.scalar(8, (view) => view.setBigUint64(0, BigInt(value), true));
  }

  string(value: string): void {
    const encoded = new TextEncoder().encode(value);
    this.uint64(encoded.length);
    this.bytes(encoded);
  }

  element(type: 'uint32' | 'int32' | 'float32' | 'bool', value: number | boolean): void {
    if (type === 'bool') this.bytes(Uint8Array.of(value ? 1 : 0));
    else if (type === 'uint32') this.uint32(value as number);
    else if (type === 'int32') this.scalar(4, (view) => view.setInt32(0, value as number, true));
    else this.scalar(4, (view) => view.setFloat32(0, value as number, true));
  }

  value(entry: GgufValue): void {
    if (entry.type === 'string') return this.string(entry.value);
    if (entry.type !== 'array') return this.element(entry.type, entry.value);
    this.uint32(valueTypeIds[entry.elementType]);
    this.uint64(entry.values.length);
    if (entry.elementType === 'string') for (const item of entry.values) this.string(item);
    else {
      const values = entry.values;
      const out = new Uint8Array(values.length * 4);
      const view = new DataView(out.buffer);
      for (let index = 0; index < values.length; index++) {
        if (entry.elementType === 'int32') view.setInt32(index * 4, values[index] as number, true);
        else view.setFloat32(index * 4, values[index] as number, true);
      }
      this.bytes(out);
    }
  }
}

/**
 * Writes a GGUF v3 file (the llama.cpp model format: header, metadata, tensor infos, aligned tensor data),
 * complete or not at all.
 */
export async function writeGguf(options: WriteGgufOptions): Promise<void> {
  const alignment = options.alignment ?? 32;
  const metadata = [...options.metadata];
  if (alignment !== 32) metadata.push(['general.alignment', { type: 'uint32', value: alignment }]);
  const header = new ByteSink();
  header.bytes(new TextEncoder().encode('GGUF'));
  header.uint32(3);
  header.uint64(options.tensors.length);
  header.uint64(metadata.length);
  for (const [key, entry] of metadata) {
    header.string(key);
    header.uint32(valueTypeIds[entry.type]);
    header.value(entry);
  }
  const padded = (offset: number): number => Math.ceil(offset / alignment) * alignment;
  let offset = 0;
  for (const tensor of options.tensors) {
    const { blockValues, blockBytes } = ggmlTypes[tensor.type];
    const count = tensor.dimensions.reduce((product, size) => product * size, 1);
    if ((tensor.dimensions[0] ?? 0) % blockValues !== 0 || (count / blockValues) * blockBytes !== tensor.data.length)
      throw new Error(
        `tensor ${tensor.name}: [${tensor.dimensions.join(', ')}] of ${tensor.type} does not fit ${tensor.data.length} bytes.`,
      );
    header.string(tensor.name);
    header.uint32(tensor.dimensions.length);
    for (const size of tensor.dimensions) header.uint64(size);
    header.uint32(ggmlTypes[tensor.type].id);
    header.uint64(offset);
    offset = padded(offset + tensor.data.length);
  }
  const file = await openAtomicWriteStream({ path: options.path });
  try {
    for (const chunk of header.chunks) await file.write(chunk);
    await file.write(new Uint8Array(padded(header.length) - header.length));
    for (const tensor of options.tensors) {
      await file.write(tensor.data);
      await file.write(new Uint8Array(padded(tensor.data.length) - tensor.data.length));
    }
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}
