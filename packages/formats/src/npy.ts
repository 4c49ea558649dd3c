import { NpyFormatError } from './errors.js';

/** The numpy dtypes this package reads and writes (little-endian, as numpy writes on x86 and ARM). */
export type NpyDtype = '<i4' | '<u4' | '<i8' | '<u8' | '<f4' | '<f8' | '<i2' | '<u2' | '|i1' | '|u1';

type NpyData =
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** A dense C-order numpy array. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const constructors = {
  '<i4': Int32Array,
  '<u4': Uint32Array,
  '<i8': BigInt64Array,
  '<u8': BigUint64Array,
  '<f4': Float32Array,
  '<f8': Float64Array,
  '<i2': Int16Array,
  '<u2': Uint16Array,
  '|i1': Int8Array,
  '|u1': Uint8Array,
} as const;

const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const arrayAlign = 64;
// numpy >= 1.24 leaves room for the first axis to grow to 21 digits (GROWTH_AXIS_MAX_DIGITS).
const growthAxisMaxDigits = 21;

function dtypeOf(data: NpyData): NpyDtype {
  for (const [dtype, arrayType] of Object.entries(constructors))
    if (data instanceof arrayType) return dtype as NpyDtype;
  throw new NpyFormatError(`encodeNpy: unsupported array type ${Object.prototype.toString.call(data)}`);
}

function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Writes an array as numpy's `np.save` does (format 1.0, same header bytes, same padding). */
export function encodeNpy(options: { data: NpyData; shape?: readonly number[] }): Uint8Array {
  const { data } = options;
  const shape = options.shape ?? [data.length];
  const count = shape.reduce((product, size) => product * size, 1);
  if (count !== data.length || shape.some((size) => !Number.isInteger(size) || size < 0)) {
    throw new NpyFormatError(`encodeNpy: shape ${shapeRepr(shape)} does not hold ${data.length} elements`);
  }
  let header = `{'descr': '${dtypeOf(data)}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(growthAxisMaxDigits - String(shape[0]).length);
  const headerLength = header.length + 1;
  const padding = arrayAlign - ((magic.length + 2 + 2 + headerLength) % arrayAlign);
  const total = headerLength + padding;
  if (total > 0xffff) throw new NpyFormatError('encodeNpy: header longer than format 1.0 allows');
  const prefixLength = magic.length + 4 + total;
  const bytes = new Uint8Array(prefixLength + data.byteLength);
  bytes.set(magic, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  bytes[8] = total & 0xff;
  bytes[9] = total >> 8;
  const text = `${header}${' '.repeat(padding)}\n`;
  for (let index = 0; index < text.length; index += 1) bytes[10 + index] = text.charCodeAt(index);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), prefixLength);
  return bytes;
}

/** Reads an `.npy` file's bytes (format 1.0–3.0, C order, the dtypes of `NpyDtype`); `source` names it in errors. */
export function decodeNpy(options: { bytes: Uint8Array; source?: string }): NpyArray {
  const { bytes } = options;
  const where = options.source ?? '.npy data';
  const fail = (what: string): never => {
    throw new NpyFormatError(`${where}: ${what}; expected a file written by numpy.save`);
  };
  if (bytes.length < 10 || magic.some((value, index) => bytes[index] !== value)) fail('missing the \\x93NUMPY magic');
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major !== 1 && major !== 2 && major !== 3) fail(`unsupported format version ${major}`);
  const lengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthSize) fail('truncated header');
  const headerLength = lengthSize === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lengthSize + headerLength;
  if (dataOffset > bytes.length) fail(`header length ${headerLength} runs past the end of the file`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthSize, dataOffset));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    return fail(`unreadable header ${JSON.stringify(header.trim())}`);
  if (!(descr in constructors)) return fail(`dtype ${descr} is not one of ${Object.keys(constructors).join(', ')}`);
  if (fortran === 'True') fail('Fortran-order arrays are not supported');
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  if (shape.some((size) => !Number.isSafeInteger(size) || size < 0)) fail(`bad shape (${shapeText})`);
  const dtype = descr as NpyDtype;
  const arrayType = constructors[dtype];
  const count = shape.reduce((product, size) => product * size, 1);
  const byteLength = count * arrayType.BYTES_PER_ELEMENT;
  if (bytes.length - dataOffset !== byteLength) {
    fail(`shape (${shapeText}) of ${dtype} needs ${byteLength} data bytes, the file has ${bytes.length - dataOffset}`);
  }
  // Copy so the result is aligned and owns its memory (Buffer#slice would share Node's pool).
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(dataOffset, dataOffset + byteLength));
  return { dtype, shape, data: new arrayType(copy.buffer, 0, count) };
}
