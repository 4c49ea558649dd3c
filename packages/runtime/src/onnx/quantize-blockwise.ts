/** Weights quantised for `MatMulNBits`: symmetric, per block of `blockSize` inputs of each output row. */
export interface QuantizedWeights {
  /** `[rows, blocks, blockSize · bits / 8]`, 4-bit values low nibble first, stored with zero point 2^(bits−1). */
  packed: Uint8Array;
  /** One scale per (row, block), row-major. */
  scales: Float32Array;
  blocksPerRow: number;
}

export interface QuantizeBlockwiseOptions {
  /** Row-major `[rows, columns]`: the HF Linear layout `[out, in]`, quantised along `in` (K). */
  weights: Float32Array;
  rows: number;
  columns: number;
  bits: 4 | 8;
  blockSize: number;
}

/** Quantises a weight matrix block-wise, as ORT's MatMulNBits expects (K padded with zeros to whole blocks). */
export function quantizeBlockwise(options: QuantizeBlockwiseOptions): QuantizedWeights {
  const { weights, rows, columns, bits, blockSize } = options;
  const blocksPerRow = Math.ceil(columns / blockSize);
  const blockBytes = (blockSize * bits) / 8;
  const largest = (1 << (bits - 1)) - 1;
  const zeroPoint = 1 << (bits - 1);
  const packed = new Uint8Array(rows * blocksPerRow * blockBytes);
  const scales = new Float32Array(rows * blocksPerRow);
  for (let row = 0; row < rows; row++) {
    for (let block = 0; block < blocksPerRow; block++) {
      const start = row * columns + block * blockSize;
      const end = row * columns + Math.min(columns, (block + 1) * blockSize);
      let maximum = 0;
      for (let index = start; index < end; index++) maximum = Math.max(maximum, Math.abs(weights[index] as number));
      const scale = maximum / largest;
      scales[row * blocksPerRow + block] = scale;
      const inverse = scale === 0 ? 0 : 1 / scale;
      const base = (row * blocksPerRow + block) * blockBytes;
      for (let offset = 0; offset < blockSize; offset++) {
        const value = start + offset < end ? (weights[start + offset] as number) : 0;
        const quantized = Math.max(-largest, Math.min(largest, Math.round(value * inverse))) + zeroPoint;
        if (bits === 8) packed[base + offset] = quantized;
        else
          packed[base + (offset >> 1)] = (packed[base + (offset >> 1)] as number) | (quantized << ((offset & 1) * 4));
      }
    }
  }
  return { packed, scales, blocksPerRow };
}

/** The float weights a quantised matrix stands for, `[rows, columns]`: what the runtime multiplies by. */
export function dequantizeBlockwise(
  quantized: QuantizedWeights,
  options: Omit<QuantizeBlockwiseOptions, 'weights'>,
): Float32Array {
  const { rows, columns, bits, blockSize } = options;
  const blockBytes = (blockSize * bits) / 8;
  const zeroPoint = 1 << (bits - 1);
  const out = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const block = Math.floor(column / blockSize);
      const offset = column % blockSize;
      const base = (row * quantized.blocksPerRow + block) * blockBytes;
      const stored =
        bits === 8
          ? (quantized.packed[base + offset] as number)
          : ((quantized.packed[base + (offset >> 1)] as number) >> ((offset & 1) * 4)) & 0xf;
      out[row * columns + column] =
        (stored - zeroPoint) * (quantized.scales[row * quantized.blocksPerRow + block] as number);
    }
  }
  return out;
}
