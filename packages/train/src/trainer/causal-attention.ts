import type { KernelArena } from './kernel-arena.js';
import { flushTiny } from './kernels.js';

/** The shape `CausalAttention` works on. */
export interface AttentionShape {
  heads: number;
  headSize: number;
  /** Most rows a sequence has. */
  maxRows: number;
}

/** Copies head `head`'s columns of `source` [rows, heads·headSize] into `target` [rows, headSize], or `[headSize, rows]` when `transposed`. */
function gather(
  source: Float32Array,
  target: Float32Array,
  rows: number,
  width: number,
  headSize: number,
  head: number,
  transposed: boolean,
): void {
  for (let row = 0; row < rows; row += 1) {
    const offset = row * width + head * headSize;
    if (!transposed) target.set(source.subarray(offset, offset + headSize), row * headSize);
    else
      for (let index = 0; index < headSize; index += 1) target[index * rows + row] = source[offset + index] as number;
  }
}

/** Writes `source` [rows, headSize] into head `head`'s columns of `target` [rows, heads·headSize]. */
function scatter(
  source: Float32Array,
  target: Float32Array,
  rows: number,
  width: number,
  headSize: number,
  head: number,
): void {
  for (let row = 0; row < rows; row += 1)
    target.set(source.subarray(row * headSize, (row + 1) * headSize), row * width + head * headSize);
}

/**
 * Causal multi-head attention within segments (row r sees rows `first[r]`..r, so packed examples do not
 * see each other), head by head as matrix multiplies on the arena: S = Q·Kᵀ, P = softmax(S/√d), O = P·V.
 * The whole square of S is multiplied (SIMD makes that cheaper than skipping the masked half in scalar
 * code); the forward pass keeps only each row's log-sum-exp and the backward pass recomputes P from it,
 * so memory stays at one rows × rows buffer whatever the number of layers and heads.
 */
export class CausalAttention {
  readonly #arena: KernelArena;
  readonly #shape: AttentionShape;
  readonly #query: Float32Array;
  readonly #key: Float32Array;
  readonly #keyTransposed: Float32Array;
  readonly #value: Float32Array;
  readonly #valueTransposed: Float32Array;
  readonly #headOutput: Float32Array;
  readonly #headGradient: Float32Array;
  readonly #scores: Float32Array;
  readonly #scoreGradients: Float32Array;

  /** Arena floats the scratch buffers take. */
  static arenaFloats(shape: AttentionShape): number[] {
    const head = shape.maxRows * shape.headSize;
    return [head, head, head, head, head, head, head, shape.maxRows * shape.maxRows, shape.maxRows * shape.maxRows];
  }

  constructor(options: { arena: KernelArena; shape: AttentionShape }) {
    const { arena, shape } = options;
    this.#arena = arena;
    this.#shape = shape;
    const [query, key, keyTransposed, value, valueTransposed, headOutput, headGradient, scores, scoreGradients] =
      CausalAttention.arenaFloats(shape).map((length) => arena.allocate(length)) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
    this.#query = query;
    this.#key = key;
    this.#keyTransposed = keyTransposed;
    this.#value = value;
    this.#valueTransposed = valueTransposed;
    this.#headOutput = headOutput;
    this.#headGradient = headGradient;
    this.#scores = scores;
    this.#scoreGradients = scoreGradients;
  }

  /** P of one head into the scores buffer (from S when `logSumExp` is being filled, else recomputed from it). */
  #probabilities(
    rows: number,
    first: Int32Array,
    logSumExp: Float32Array,
    head: number,
    record: boolean,
  ): Float32Array {
    const { headSize } = this.#shape;
    const scale = 1 / Math.sqrt(headSize);
    const scores = this.#scores.subarray(0, rows * rows);
    this.#arena.gemm(this.#query, headSize, 1, this.#keyTransposed, scores, rows, rows, headSize, false);
    for (let query = 0; query < rows; query += 1) {
      const offset = query * rows;
      const from = first[query] as number;
      scores.fill(0, offset, offset + from);
      scores.fill(0, offset + query + 1, offset + rows);
      if (record) {
        let max = Number.NEGATIVE_INFINITY;
        for (let key = from; key <= query; key += 1) max = Math.max(max, (scores[offset + key] as number) * scale);
        let total = 0;
        for (let key = from; key <= query; key += 1) {
          const weight = Math.exp((scores[offset + key] as number) * scale - max);
          scores[offset + key] = weight;
          total += weight;
        }
        logSumExp[head * rows + query] = max + Math.log(total);
        const inverse = 1 / total;
        for (let key = from; key <= query; key += 1)
          scores[offset + key] = flushTiny((scores[offset + key] as number) * inverse);
      } else {
        const normaliser = logSumExp[head * rows + query] as number;
        for (let key = from; key <= query; key += 1)
          scores[offset + key] = flushTiny(Math.exp((scores[offset + key] as number) * scale - normaliser));
      }
    }
    return scores;
  }

  /** output [rows, heads·headSize] from q, k, v (rotated); keeps each row's log-sum-exp per head. */
  forward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    output: Float32Array,
    logSumExp: Float32Array,
    rows: number,
    first: Int32Array,
  ): void {
    const { heads, headSize } = this.#shape;
    const width = heads * headSize;
    for (let head = 0; head < heads; head += 1) {
      gather(q, this.#query, rows, width, headSize, head, false);
      gather(k, this.#keyTransposed, rows, width, headSize, head, true);
      gather(v, this.#value, rows, width, headSize, head, false);
      const probabilities = this.#probabilities(rows, first, logSumExp, head, true);
      this.#arena.gemm(probabilities, rows, 1, this.#value, this.#headOutput, rows, headSize, rows, false);
      scatter(this.#headOutput, output, rows, width, headSize, head);
    }
  }

  /** dq, dk, dv (written, not added) from d(output). */
  backward(
    dOutput: Float32Array,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    logSumExp: Float32Array,
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
    rows: number,
    first: Int32Array,
  ): void {
    const { heads, headSize } = this.#shape;
    const width = heads * headSize;
    const scale = 1 / Math.sqrt(headSize);
    const arena = this.#arena;
    for (let head = 0; head < heads; head += 1) {
      gather(q, this.#query, rows, width, headSize, head, false);
      gather(k, this.#key, rows, width, headSize, head, false);
      gather(k, this.#keyTransposed, rows, width, headSize, head, true);
      gather(v, this.#valueTransposed, rows, width, headSize, head, true);
      gather(dOutput, this.#headOutput, rows, width, headSize, head, false);
      const probabilities = this.#probabilities(rows, first, logSumExp, head, false);
      // dV = Pᵀ · dO.
      arena.gemm(probabilities, 1, rows, this.#headOutput, this.#headGradient, rows, headSize, rows, false);
      scatter(this.#headGradient, dv, rows, width, headSize, head);
      // dP = dO · Vᵀ, then dS = P ⊙ (dP − Σ P ⊙ dP) / √d in place.
      const gradients = this.#scoreGradients.subarray(0, rows * rows);
      arena.gemm(this.#headOutput, headSize, 1, this.#valueTransposed, gradients, rows, rows, headSize, false);
      for (let query = 0; query < rows; query += 1) {
        const offset = query * rows;
        const from = first[query] as number;
        let weighted = 0;
        for (let key = from; key <= query; key += 1)
          weighted += (probabilities[offset + key] as number) * (gradients[offset + key] as number);
        for (let key = 0; key < rows; key += 1)
          gradients[offset + key] =
            (probabilities[offset + key] as number) * ((gradients[offset + key] as number) - weighted) * scale;
      }
      // dQ = dS · K, dK = dSᵀ · Q.
      arena.gemm(gradients, rows, 1, this.#key, this.#headGradient, rows, headSize, rows, false);
      scatter(this.#headGradient, dq, rows, width, headSize, head);
      arena.gemm(gradients, 1, rows, this.#query, this.#headGradient, rows, headSize, rows, false);
      scatter(this.#headGradient, dk, rows, width, headSize, head);
    }
  }
}
