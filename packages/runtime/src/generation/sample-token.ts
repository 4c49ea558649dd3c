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
  if (!(temperature >= 0) || !Number.isFinite(temperature))
    throw new GenerationOptionsError(`temperature must be a finite number ≥ 0, got ${temperature}.`);
  if (!Number.isInteger(topK) || topK < 0)
    throw new GenerationOptionsError(`topK must be an integer ≥ 0, got ${topK}.`);
  if (!(topP > 0 && topP <= 1)) throw new GenerationOptionsError(`topP must be in (0, 1], got ${topP}.`);
  if (!(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty))
    throw new GenerationOptionsError(`repetitionPenalty must be a finite number > 0, got ${repetitionPenalty}.`);
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

/** Scratch space reused across calls (sampling is synchronous), so a step allocates nothing vocabulary-sized. */
let candidates = new Int32Array(0);
let weights = new Float64Array(0);
let heap = new Int32Array(0);

/** Whether candidate `left` comes before `right` in the nucleus order: larger weight first, then smaller token id. */
function before(left: number, right: number): boolean {
  const difference = (weights[left] as number) - (weights[right] as number);
  return difference > 0 || (difference === 0 && (candidates[left] as number) < (candidates[right] as number));
}

function siftDown(size: number, start: number): void {
  let index = start;
  for (;;) {
    const left = 2 * index + 1;
    let first = index;
    if (left < size && before(heap[left] as number, heap[first] as number)) first = left;
    if (left + 1 < size && before(heap[left + 1] as number, heap[first] as number)) first = left + 1;
    if (first === index) return;
    const swap = heap[index] as number;
    heap[index] = heap[first] as number;
    heap[first] = swap;
    index = first;
  }
}

/**
 * FlagAI's nucleus: candidates in order of weight until the mass before the next one exceeds
 * `topP · total`. A heap yields that order one candidate at a time, so only the nucleus is ordered, not
 * the vocabulary. Leaves the nucleus in `heap[0…count)` from the end backwards; returns count and mass.
 */
function selectNucleus(count: number, topP: number, total: number): { kept: number; mass: number } {
  for (let index = 0; index < count; index++) heap[index] = index;
  for (let index = (count >> 1) - 1; index >= 0; index--) siftDown(count, index);
  let size = count;
  let mass = 0;
  while (size > 0 && !(mass > topP * total)) {
    const top = heap[0] as number;
    mass += weights[top] as number;
    size -= 1;
    heap[0] = heap[size] as number;
    heap[size] = top;
    siftDown(size, 0);
  }
  return { kept: count - size, mass };
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
  if (candidates.length < logits.length) {
    candidates = new Int32Array(logits.length);
    weights = new Float64Array(logits.length);
    heap = new Int32Array(logits.length);
  }
  let count = 0;
  let total = 0;
  for (let index = 0; index < logits.length; index++) {
    const value = logits[index] as number;
    if (value < threshold || value === -Infinity) continue;
    const weight = Math.exp((value - largest) / temperature);
    candidates[count] = index;
    weights[count] = weight;
    count += 1;
    total += weight;
  }
  if (count === 0) return argmax(logits); // every logit is −∞: nothing to sample from
  if (topP >= 1) {
    let draw = options.random() * total;
    for (let position = 0; position < count; position++) {
      draw -= weights[position] as number;
      if (draw < 0) return candidates[position] as number;
    }
    return candidates[count - 1] as number;
  }
  const { kept, mass } = selectNucleus(count, topP, total);
  // The nucleus sits at heap[count−1] (most likely) down to heap[count−kept].
  let draw = options.random() * mass;
  for (let rank = 1; rank <= kept; rank++) {
    const position = heap[count - rank] as number;
    draw -= weights[position] as number;
    if (draw < 0) return candidates[position] as number;
  }
  return candidates[heap[count - kept] as number] as number;
}
