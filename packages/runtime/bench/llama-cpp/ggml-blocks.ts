import { encodeWeights } from '@aquila/formats';

/** The ggml tensor types this bench writes, with their GGUF type ids. */
export const ggmlTypes = {
  F32: { id: 0, blockValues: 1, blockBytes: 4 },
  Q4_0: { id: 2, blockValues: 32, blockBytes: 18 },
  Q8_0: { id: 8, blockValues: 32, blockBytes: 34 },
} as const;

export type GgmlType = keyof typeof ggmlTypes;

export interface QuantizeGgmlBlocksOptions {
  /** Row-major values; a row (ggml's `ne[0]`) must be a whole number of blocks. */
  values: Float32Array;
  type: GgmlType;
}

/**
 * Encodes values as ggml stores them, the way ggml's reference quantisers do (`quantize_row_q8_0_ref`,
 * `quantize_row_q4_0_ref`): per block of 32, an fp16 scale `d` then the quants. Q8_0 has `d = amax / 127` and
 * `round(x / d)`; Q4_0 has `d = max / −8` (max: the value of largest magnitude, with its sign) and nibbles
 * `min(15, trunc(x / d + 8.5))`, values 0–15 in the low nibbles and 16–31 in the high ones.
 */
export function quantizeGgmlBlocks(options: QuantizeGgmlBlocksOptions): Uint8Array {
  const { values, type } = options;
  if (type === 'F32')
    return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const { blockValues, blockBytes } = ggmlTypes[type];
  if (values.length % blockValues !== 0)
    throw new Error(`${type} needs a multiple of ${blockValues} values, got ${values.length}.`);
  const blocks = values.length / blockValues;
  const scales = new Float32Array(blocks);
  const out = new Uint8Array(blocks * blockBytes);
  for (let block = 0; block < blocks; block++) {
    const start = block * blockValues;
    let magnitude = 0;
    let extreme = 0;
    for (let index = start; index < start + blockValues; index++) {
      const value = values[index] as number;
      if (Math.abs(value) > magnitude) {
        magnitude = Math.abs(value);
        extreme = value;
      }
    }
    // ggml divides in float32: Math.fround keeps every step at float32's precision.
    const scale = Math.fround(type === 'Q8_0' ? magnitude / 127 : extreme / -8);
    const inverse = scale === 0 ? 0 : Math.fround(1 / scale);
    scales[block] = scale;
    const base = block * blockBytes + 2;
    if (type === 'Q8_0') {
      for (let offset = 0; offset < blockValues; offset++) {
        const scaled = Math.fround((values[start + offset] as number) * inverse);
        // C's roundf: halves away from zero.
        out[base + offset] = (Math.sign(scaled) * Math.round(Math.abs(scaled))) & 0xff;
      }
    } else {
      const nibble = (value: number): number =>
        Math.min(15, Math.trunc(Math.fround(Math.fround(value * inverse) + 8.5)));
      for (let offset = 0; offset < blockValues / 2; offset++)
        out[base + offset] =
          nibble(values[start + offset] as number) | (nibble(values[start + offset + blockValues / 2] as number) << 4);
    }
  }
  const halves = encodeWeights(scales, 'F16');
  for (let block = 0; block < blocks; block++) out.set(halves.subarray(block * 2, block * 2 + 2), block * blockBytes);
  return out;
}
