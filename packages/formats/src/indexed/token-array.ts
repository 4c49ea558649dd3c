import { TokenRangeError } from '../errors.js';
import type { IndexedDatasetDtype } from './indexed-dataset-index.js';

/** The typed array tokens are read into (int64 files read as Float64Array: token ids are far below 2^53). */
export type TokenArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float64Array | Float32Array | Uint16Array;

/** The typed array a dtype is stored as. */
export type StoredTokenArray = TokenArray | BigInt64Array;

const ranges: Partial<Record<IndexedDatasetDtype, [number, number]>> = {
  uint8: [0, 0xff],
  int8: [-0x80, 0x7f],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
};

/** A typed array of `dtype` viewing `buffer` (which must be aligned for the dtype). */
export function tokenArrayFromBuffer(
  dtype: IndexedDatasetDtype,
  buffer: ArrayBuffer,
  byteOffset: number,
  length: number,
): StoredTokenArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'int8':
      return new Int8Array(buffer, byteOffset, length);
    case 'int16':
      return new Int16Array(buffer, byteOffset, length);
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, length);
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
  }
}

/** Copies `values` into `target` (a typed array of `dtype`) at `offset`, refusing values the dtype cannot hold. */
export function writeTokens(
  dtype: IndexedDatasetDtype,
  target: StoredTokenArray,
  offset: number,
  values: ArrayLike<number>,
  where: string,
): void {
  const range = ranges[dtype];
  if (target instanceof BigInt64Array) {
    for (let index = 0; index < values.length; index++) target[offset + index] = BigInt(values[index]!);
    return;
  }
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (range !== undefined && !(Number.isInteger(value) && value >= range[0] && value <= range[1])) {
      throw new TokenRangeError(
        `${where}: token ${index} is ${value}, outside ${dtype} [${range[0]}, ${range[1]}]. Use a wider dtype (int32 for vocabularies of 65,500 ids or more).`,
      );
    }
    target[offset + index] = value;
  }
}

/** Stored tokens as numbers. */
export function toTokenArray(stored: StoredTokenArray): TokenArray {
  return stored instanceof BigInt64Array ? Float64Array.from(stored, Number) : stored;
}
