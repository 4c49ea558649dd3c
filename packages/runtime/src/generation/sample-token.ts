import { GenerationOptionsError } from '../errors.js';

/** Changes the logits of one step in place, before sampling: the hook for constrained decoding. */
export type LogitsProcessor = (context: LogitsProcessorContext) => void;

export interface LogitsProcessorContext {
  /** The next-token logits of this sequence; write `-Infinity` to forbid a token. */
  logits: Float32Array;
  /** The prompt followed by the tokens generated so far. */
  tokenIds: readonly number[];
  /** How many of `tokenIds` are the prompt. */
  promptLength: number;
}

export interface SamplingOptions {
  /** 0 (default) picks the most likely token (greedy); above 0 samples from softmax(logits / temperature). */
  temperature?: number;
  /** Keeps the tokens whose logit is at least the k-th largest (ties kept, as FlagAI); 0 = all. */
  topK?: number;
  /** Keeps the smallest set of most likely tokens whose probability reaches `topP`; 1 = all. */
  topP?: number;
  /** Divides positive (multiplies negative) logits of tokens already in the sequence; 1 = off. */
  repetitionPenalty?: number;
}

/** Checks sampling options, naming the bad one. */
export function validateSamplingOptions(options: SamplingOptions): void {
  const { temperature = 0, topK = 0, topP = 1, repetitionPenalty = 1 } = options;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new GenerationOptionsError(`temperature must be a finite number ≥ 0, got ${temperature}.`);
  if (!Number.isInteger(topK) || topK < 0) throw new GenerationOptionsError(`topK must be an integer ≥ 0, got ${topK}.`);
  if (!(topP > 0 && topP <= 1)) throw new GenerationOptionsError(`topP must be in (0, 1], got ${topP}.`);
  if (!(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty)) throw new GenerationOptionsError(`repetitionPenalty must be a finite number > 0, got ${repetitionPenalty}.`);
}

function argmax(values: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number;
    if (value > bestValue) {
      bestValue = value;
      best = index;
    }
  }
  return best;
}

/** The k-th largest value (k ≥ 1), by a partial selection over a bounded min-heap. */
function kthLargest(values: Float32Array, k: number): number {
  const heap = new Float32Array(k);
  let size = 0;
  const siftDown = (start: number): void => {
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < size && (heap[left] as number) < (heap[smallest] as number)) smallest = left;
      if (right < size && (heap[right] as number) < (heap[smallest] as number)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest] as number, heap[index] as number];
      index = smallest;
    }
  };
  for (const value of values) {
    if (size < k) {
      let index = size++;
      heap[index] = value;
      while (index > 0) {
        const parent = (index - 1) >> 1;
        if ((heap[parent] as number) <= (heap[index] as number)) break;
        [heap[index], heap[parent]] = [heap[parent] as number, heap[index] as number];
        index = parent;
      }
    } else if (value > (heap[0] as number)) {
      heap[0] = value;
      siftDown(0);
    }
  }
  return heap[0] as number;
}

export interface SampleTokenOptions extends SamplingOptions {
  /** Next-token logits; changed in place by the penalty and temperature. */
  logits: Float32Array;
  /** The sequence so far (for the repetition penalty). */
  tokenIds: readonly number[];
  /** Uniform floats in [0, 1): the seeded source of the sampling decision. */
  random: () => number;
}

/**
 * Picks the next token: repetition penalty, then greedy argmax (temperature 0) or FlagAI's sampling
 * order: temperature, top-k (ties kept), softmax, top-p (nucleus) renormalised, one uniform draw.
 */
export function sampleToken(options: SampleTokenOptions): number {
  const { logits, temperature = 0, topK = 0, topP = 1, repetitionPenalty = 1 } = options;
  if (repetitionPenalty !== 1) {
    for (const token of new Set(options.tokenIds)) {
      const value = logits[token];
      if (value !== undefined) logits[token] = value > 0 ? value / repetitionPenalty : value * repetitionPenalty;
    }
  }
  if (temperature === 0) return argmax(logits);
  const threshold = topK > 0 && topK < logits.length ? kthLargest(logits, topK) : -Infinity;
  const largest = logits[argmax(logits)] as number;
  const candidates: number[] = [];
  const weights: number[] = [];
  let total = 0;
  for (let index = 0; index < logits.length; index++) {
    const value = logits[index] as number;
    if (value < threshold || value === -Infinity) continue;
    const weight = Math.exp((value - largest) / temperature);
    candidates.push(index);
    weights.push(weight);
    total += weight;
  }
  let order = candidates.map((_, position) => position);
  let kept = total;
  if (topP < 1) {
    order.sort((left, right) => (weights[right] as number) - (weights[left] as number) || (candidates[left] as number) - (candidates[right] as number));
    // FlagAI: drop a token when the probability mass before it already exceeds top_p.
    let before = 0;
    let count = 0;
    for (const position of order) {
      if (before > topP * total) break;
      before += weights[position] as number;
      count += 1;
    }
    order = order.slice(0, Math.max(1, count));
    kept = before;
  }
  let draw = options.random() * kept;
  for (const position of order) {
    draw -= weights[position] as number;
    if (draw < 0) return candidates[position] as number;
  }
  return candidates[order.at(-1) as number] as number;
}
