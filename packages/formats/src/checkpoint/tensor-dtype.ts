/** Element types of checkpoint tensors that hold model weights. */
export type WeightDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export const weightDtypeSizes: Readonly<Record<WeightDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/** Element types a checkpoint may hold: the weight types, and the int64 and bool buffers some state dicts carry. */
export type TensorDtype = WeightDtype | 'I64' | 'BOOL';

export const tensorDtypeSizes: Readonly<Record<TensorDtype, number>> = { ...weightDtypeSizes, I64: 8, BOOL: 1 };

export function isWeightDtype(value: string): value is WeightDtype {
  return Object.hasOwn(weightDtypeSizes, value);
}

const conversionView = new DataView(new ArrayBuffer(4));
export const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function floatToHalf(value: number): number {
  conversionView.setFloat32(0, value);
  const bits = conversionView.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const rounded = (mantissa + (1 << (shift - 1)) - 1 + ((mantissa >> shift) & 1)) >> shift;
    return sign | rounded;
  }
  // Round to nearest even; a carry into the exponent is the right result.
  const rounded = (halfExponent << 10) + ((mantissa + 0xfff + ((mantissa >> 13) & 1)) >> 13);
  return sign | rounded;
}

/** Decodes little-endian tensor bytes of `dtype` to float32 values (I64 rounded to float32 past 2^24, BOOL as 0 and 1). */
export function decodeWeights(bytes: Uint8Array, dtype: TensorDtype): Float32Array {
  const count = bytes.length / tensorDtypeSizes[dtype];
  // Little-endian hosts read F32 in place: no second copy of the largest tensors.
  if (dtype === 'F32' && littleEndian && bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Float32Array(count);
  decodeWeightsInto(bytes, dtype, out);
  return out;
}

/** Decodes like `decodeWeights` into `out` (as many values as `bytes` holds), so a tensor can be decoded in chunks. */
export function decodeWeightsInto(bytes: Uint8Array, dtype: TensorDtype, out: Float32Array): void {
  const count = bytes.length / tensorDtypeSizes[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') {
    for (let index = 0; index < count; index++) out[index] = view.getFloat32(index * 4, true);
  } else if (dtype === 'F64') {
    for (let index = 0; index < count; index++) out[index] = view.getFloat64(index * 8, true);
  } else if (dtype === 'I64') {
    for (let index = 0; index < count; index++) out[index] = Number(view.getBigInt64(index * 8, true));
  } else if (dtype === 'BOOL') {
    for (let index = 0; index < count; index++) out[index] = bytes[index] === 0 ? 0 : 1;
  } else if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer, out.byteOffset, count);
    for (let index = 0; index < count; index++) bits[index] = view.getUint16(index * 2, true) << 16;
  } else {
    for (let index = 0; index < count; index++) out[index] = halfToFloat(view.getUint16(index * 2, true));
  }
}

/** Encodes float32 values as little-endian bytes of `dtype` (round to nearest even; I64 truncated toward zero, BOOL true where non-zero). */
export function encodeWeights(values: Float32Array, dtype: TensorDtype): Uint8Array {
  const out = new Uint8Array(values.length * tensorDtypeSizes[dtype]);
  const view = new DataView(out.buffer);
  for (let index = 0; index < values.length; index++) {
    const value = values[index] ?? 0;
    if (dtype === 'F32') view.setFloat32(index * 4, value, true);
    else if (dtype === 'F64') view.setFloat64(index * 8, value, true);
    else if (dtype === 'F16') view.setUint16(index * 2, floatToHalf(value), true);
    else if (dtype === 'I64') view.setBigInt64(index * 8, BigInt(Math.trunc(value)), true);
    else if (dtype === 'BOOL') out[index] = value === 0 ? 0 : 1;
    else {
      conversionView.setFloat32(0, value);
      const bits = conversionView.getUint32(0);
      view.setUint16(index * 2, (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16, true);
    }
  }
  return out;
}
