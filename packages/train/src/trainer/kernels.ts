// Float32 kernels of the in-process trainer. Matrices are row-major; a linear layer's weight is
// [out, in] (PyTorch's layout), so y = x · Wᵀ reads both operands along contiguous rows.

// The kernels below work on four outputs (or rows) at once, so each value loaded from memory feeds four
// multiply-adds; in V8 that doubles the rate of the one-at-a-time loops.

/** y[r, o] = Σᵢ x[r, i] · w[o, i]. */
export function linear(x: Float32Array, w: Float32Array, y: Float32Array, rows: number, inputs: number, outputs: number): void {
  for (let row = 0; row < rows; row += 1) {
    const xOffset = row * inputs;
    const yOffset = row * outputs;
    let output = 0;
    for (; output + 3 < outputs; output += 4) {
      const w0 = output * inputs;
      const w1 = w0 + inputs;
      const w2 = w1 + inputs;
      const w3 = w2 + inputs;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let index = 0; index < inputs; index += 1) {
        const value = x[xOffset + index] as number;
        s0 += value * (w[w0 + index] as number);
        s1 += value * (w[w1 + index] as number);
        s2 += value * (w[w2 + index] as number);
        s3 += value * (w[w3 + index] as number);
      }
      y[yOffset + output] = s0;
      y[yOffset + output + 1] = s1;
      y[yOffset + output + 2] = s2;
      y[yOffset + output + 3] = s3;
    }
    for (; output < outputs; output += 1) {
      const wOffset = output * inputs;
      let sum = 0;
      for (let index = 0; index < inputs; index += 1) sum += (x[xOffset + index] as number) * (w[wOffset + index] as number);
      y[yOffset + output] = sum;
    }
  }
}

/** dx += dy · W and dW += dyᵀ · x for y = x · Wᵀ. */
export function linearBackward(dy: Float32Array, x: Float32Array, w: Float32Array, dx: Float32Array, dw: Float32Array, rows: number, inputs: number, outputs: number): void {
  // dx[r, i] += Σₒ dy[r, o] · w[o, i], four outputs per pass over the row.
  for (let row = 0; row < rows; row += 1) {
    const xOffset = row * inputs;
    const yOffset = row * outputs;
    let output = 0;
    for (; output + 3 < outputs; output += 4) {
      const g0 = dy[yOffset + output] as number;
      const g1 = dy[yOffset + output + 1] as number;
      const g2 = dy[yOffset + output + 2] as number;
      const g3 = dy[yOffset + output + 3] as number;
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      const w0 = output * inputs;
      const w1 = w0 + inputs;
      const w2 = w1 + inputs;
      const w3 = w2 + inputs;
      for (let index = 0; index < inputs; index += 1) {
        dx[xOffset + index] = (dx[xOffset + index] as number) + g0 * (w[w0 + index] as number) + g1 * (w[w1 + index] as number) + g2 * (w[w2 + index] as number) + g3 * (w[w3 + index] as number);
      }
    }
    for (; output < outputs; output += 1) {
      const gradient = dy[yOffset + output] as number;
      const wOffset = output * inputs;
      for (let index = 0; index < inputs; index += 1) dx[xOffset + index] = (dx[xOffset + index] as number) + gradient * (w[wOffset + index] as number);
    }
  }
  // dw[o, i] += Σᵣ dy[r, o] · x[r, i], four rows per pass over the weight row.
  let row = 0;
  for (; row + 3 < rows; row += 4) {
    const x0 = row * inputs;
    const x1 = x0 + inputs;
    const x2 = x1 + inputs;
    const x3 = x2 + inputs;
    for (let output = 0; output < outputs; output += 1) {
      const g0 = dy[row * outputs + output] as number;
      const g1 = dy[(row + 1) * outputs + output] as number;
      const g2 = dy[(row + 2) * outputs + output] as number;
      const g3 = dy[(row + 3) * outputs + output] as number;
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      const wOffset = output * inputs;
      for (let index = 0; index < inputs; index += 1) {
        dw[wOffset + index] = (dw[wOffset + index] as number) + g0 * (x[x0 + index] as number) + g1 * (x[x1 + index] as number) + g2 * (x[x2 + index] as number) + g3 * (x[x3 + index] as number);
      }
    }
  }
  for (; row < rows; row += 1) {
    const xOffset = row * inputs;
    for (let output = 0; output < outputs; output += 1) {
      const gradient = dy[row * outputs + output] as number;
      if (gradient === 0) continue;
      const wOffset = output * inputs;
      for (let index = 0; index < inputs; index += 1) dw[wOffset + index] = (dw[wOffset + index] as number) + gradient * (x[xOffset + index] as number);
    }
  }
}

/** LLaMA's RMSNorm: y = x / sqrt(mean(x²) + ε) · g; keeps 1/rms per row for the backward pass. */
export function rmsNorm(x: Float32Array, g: Float32Array, y: Float32Array, inverseRms: Float32Array, rows: number, size: number, epsilon: number): void {
  for (let row = 0; row < rows; row += 1) {
    const offset = row * size;
    let squares = 0;
    for (let index = 0; index < size; index += 1) squares += (x[offset + index] as number) ** 2;
    const inverse = 1 / Math.sqrt(squares / size + epsilon);
    inverseRms[row] = inverse;
    for (let index = 0; index < size; index += 1) y[offset + index] = (x[offset + index] as number) * inverse * (g[index] as number);
  }
}

/** dx += ∂/∂x and dg += ∂/∂g of RMSNorm. */
export function rmsNormBackward(dy: Float32Array, x: Float32Array, g: Float32Array, inverseRms: Float32Array, dx: Float32Array, dg: Float32Array, rows: number, size: number): void {
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
      dx[offset + index] = (dx[offset + index] as number) + (dy[offset + index] as number) * (g[index] as number) * inverse - (x[offset + index] as number) * correction;
    }
  }
}

/** cos/sin tables of Hugging Face LLaMA's rotary embedding (rotate_half pairs j and j + headSize/2). */
export function ropeTables(positions: number, headSize: number, theta: number): { cos: Float32Array; sin: Float32Array } {
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
export function applyRope(values: Float32Array, rows: number, heads: number, headSize: number, tables: { cos: Float32Array; sin: Float32Array }, positions: Int32Array, inverse: boolean): void {
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

/**
 * Causal multi-head attention within segments (row r sees rows `first[r]`..r, so packed examples do not
 * see each other): probabilities [heads, rows, rows] and output [rows, heads·headSize].
 */
export function attention(q: Float32Array, k: Float32Array, v: Float32Array, probabilities: Float32Array, output: Float32Array, rows: number, heads: number, headSize: number, first: Int32Array): void {
  const width = heads * headSize;
  const scale = 1 / Math.sqrt(headSize);
  output.fill(0);
  for (let head = 0; head < heads; head += 1) {
    for (let query = 0; query < rows; query += 1) {
      const qOffset = query * width + head * headSize;
      const pOffset = (head * rows + query) * rows;
      const from = first[query] as number;
      probabilities.fill(0, pOffset, pOffset + from);
      let max = Number.NEGATIVE_INFINITY;
      for (let key = from; key <= query; key += 1) {
        const kOffset = key * width + head * headSize;
        let dot = 0;
        for (let index = 0; index < headSize; index += 1) dot += (q[qOffset + index] as number) * (k[kOffset + index] as number);
        probabilities[pOffset + key] = dot * scale;
        if (dot * scale > max) max = dot * scale;
      }
      let total = 0;
      for (let key = from; key <= query; key += 1) {
        const weight = Math.exp((probabilities[pOffset + key] as number) - max);
        probabilities[pOffset + key] = weight;
        total += weight;
      }
      for (let key = from; key <= query; key += 1) {
        const weight = (probabilities[pOffset + key] as number) / total;
        probabilities[pOffset + key] = weight;
        const vOffset = key * width + head * headSize;
        for (let index = 0; index < headSize; index += 1) output[qOffset + index] = (output[qOffset + index] as number) + weight * (v[vOffset + index] as number);
      }
      for (let key = query + 1; key < rows; key += 1) probabilities[pOffset + key] = 0;
    }
  }
}

/** dq, dk, dv (+=) of `attention` given d(output). */
export function attentionBackward(
  dOutput: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  probabilities: Float32Array,
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
  rows: number,
  heads: number,
  headSize: number,
  first: Int32Array,
): void {
  const width = heads * headSize;
  const scale = 1 / Math.sqrt(headSize);
  const dProbabilities = new Float64Array(rows);
  for (let head = 0; head < heads; head += 1) {
    for (let query = 0; query < rows; query += 1) {
      const qOffset = query * width + head * headSize;
      const pOffset = (head * rows + query) * rows;
      const from = first[query] as number;
      let weighted = 0;
      for (let key = from; key <= query; key += 1) {
        const vOffset = key * width + head * headSize;
        const weight = probabilities[pOffset + key] as number;
        let dot = 0;
        for (let index = 0; index < headSize; index += 1) {
          const gradient = dOutput[qOffset + index] as number;
          dot += gradient * (v[vOffset + index] as number);
          dv[vOffset + index] = (dv[vOffset + index] as number) + weight * gradient;
        }
        dProbabilities[key] = dot;
        weighted += weight * dot;
      }
      for (let key = from; key <= query; key += 1) {
        const dScore = (probabilities[pOffset + key] as number) * ((dProbabilities[key] as number) - weighted) * scale;
        if (dScore === 0) continue;
        const kOffset = key * width + head * headSize;
        for (let index = 0; index < headSize; index += 1) {
          dq[qOffset + index] = (dq[qOffset + index] as number) + dScore * (k[kOffset + index] as number);
          dk[kOffset + index] = (dk[kOffset + index] as number) + dScore * (q[qOffset + index] as number);
        }
      }
    }
  }
}
