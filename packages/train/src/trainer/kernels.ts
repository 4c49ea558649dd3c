// Float32 kernels of the in-process trainer besides the matrix multiply (kernel-arena.ts). Matrices are
// row-major, one row per position.

/**
 * 0 for magnitudes below 1e-30. Float32 subnormals (below 1.2e-38) make x86 multiplies take a slow path
 * (wasm cannot flush them), so a model sure of its answers (softmax tails of e^-90) or Adam moments decaying
 * towards 0 would slow every step several times over; values this small change nothing.
 */
export function flushTiny(value: number): number {
  return value < 1e-30 && value > -1e-30 ? 0 : value;
}

/** LLaMA's RMSNorm: y = x / sqrt(mean(x²) + ε) · g; keeps 1/rms per row for the backward pass. */
export function rmsNorm(
  x: Float32Array,
  g: Float32Array,
  y: Float32Array,
  inverseRms: Float32Array,
  rows: number,
  size: number,
  epsilon: number,
): void {
  for (let row = 0; row < rows; row += 1) {
    const offset = row * size;
    let squares = 0;
    for (let index = 0; index < size; index += 1) squares += (x[offset + index] as number) ** 2;
    const inverse = 1 / Math.sqrt(squares / size + epsilon);
    inverseRms[row] = inverse;
    for (let index = 0; index < size; index += 1)
      y[offset + index] = (x[offset + index] as number) * inverse * (g[index] as number);
  }
}

/** dx += ∂/∂x and dg += ∂/∂g of RMSNorm. */
export function rmsNormBackward(
  dy: Float32Array,
  x: Float32Array,
  g: Float32Array,
  inverseRms: Float32Array,
  dx: Float32Array,
  dg: Float32Array,
  rows: number,
  size: number,
): void {
  for (let row = 0; row < rows; row += 1) {
    const offset = row * size;
    const inverse = inverseRms[row] as number;
    let dot = 0;
    for (let index = 0; index < size; index += 1) {
      const gradient = dy[offset + index] as number;
      dot += gradient * (g[index] as number) * (x[offset + index] as number);
      dg[index] = (dg[index] as number) + gradient * (x[offset + index] as number) * inverse;
    }
    const correction = (dot * inverse ** 3) / size;
    for (let index = 0; index < size; index += 1) {
      dx[offset + index] =
        (dx[offset + index] as number) +
        (dy[offset + index] as number) * (g[index] as number) * inverse -
        (x[offset + index] as number) * correction;
    }
  }
}

/** cos/sin tables of Hugging Face LLaMA's rotary embedding (rotate_half pairs j and j + headSize/2). */
export function ropeTables(
  positions: number,
  headSize: number,
  theta: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = headSize / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let position = 0; position < positions; position += 1) {
    for (let index = 0; index < half; index += 1) {
      const angle = position * theta ** ((-2 * index) / headSize);
      cos[position * half + index] = Math.cos(angle);
      sin[position * half + index] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/**
 * Rotates every head of every row in place, row r at position `positions[r]`; `inverse` applies the
 * transpose (the backward pass).
 */
export function applyRope(
  values: Float32Array,
  rows: number,
  heads: number,
  headSize: number,
  tables: { cos: Float32Array; sin: Float32Array },
  positions: Int32Array,
  inverse: boolean,
): void {
  const half = headSize / 2;
  const direction = inverse ? -1 : 1;
  for (let row = 0; row < rows; row += 1) {
    const table = (positions[row] as number) * half;
    for (let head = 0; head < heads; head += 1) {
      const offset = (row * heads + head) * headSize;
      for (let index = 0; index < half; index += 1) {
        const cos = tables.cos[table + index] as number;
        const sin = direction * (tables.sin[table + index] as number);
        const first = values[offset + index] as number;
        const second = values[offset + index + half] as number;
        values[offset + index] = first * cos - second * sin;
        values[offset + index + half] = second * cos + first * sin;
      }
    }
  }
}
