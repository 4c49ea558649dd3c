import type { ModelShape } from '../checkpoint/model-config.js';
import {
  type LayerWeight,
  layerWeightLocation,
  layerWeightValues,
  modelWeightName,
  usesInterleavedRotary,
  type WeightNaming,
} from '../checkpoint/weight-names.js';

export interface ReferenceForwardOptions {
  shape: ModelShape;
  /** Weights by checkpoint name, in the checkpoint's own layout ([out, in]; FlagAI q/k rows interleaved; flash-attn projections packed). */
  weights: ReadonlyMap<string, Float32Array>;
  naming: WeightNaming;
  tokens: readonly number[];
}

function matrixVector(matrix: Float32Array, vector: ArrayLike<number>, rows: number): Float64Array {
  const columns = vector.length;
  const out = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    const base = row * columns;
    for (let column = 0; column < columns; column++)
      sum += (matrix[base + column] as number) * (vector[column] as number);
    out[row] = sum;
  }
  return out;
}

function rmsNorm(vector: Float64Array, weight: Float32Array, epsilon: number): Float64Array {
  let squares = 0;
  for (const value of vector) squares += value * value;
  const scale = 1 / Math.sqrt(squares / vector.length + epsilon);
  return vector.map((value, index) => value * scale * (weight[index] as number));
}

/**
 * The rotation angle of dimension pair `index` at `position`, written from each method's own description
 * (not from the converter's tables): linear scaling as position interpolation (position / factor); Llama 3's
 * as Meta's `apply_scaling` loop over wavelengths; dynamic NTK as transformers' base growth, which starts
 * only past `max_position_embeddings` (`sequenceLength` = the longest sequence seen).
 */
function rotaryAngle(shape: ModelShape, position: number, index: number, sequenceLength: number): number {
  const scaling = shape.ropeScaling;
  const exponent = (2 * index) / shape.headSize;
  if (scaling?.type === 'linear') return position / scaling.factor / shape.ropeTheta ** exponent;
  if (scaling?.type === 'dynamic') {
    const length = Math.max(sequenceLength, shape.maxPositions);
    const growth = (scaling.factor * length) / shape.maxPositions - (scaling.factor - 1);
    const base = shape.ropeTheta * growth ** (shape.headSize / (shape.headSize - 2));
    return position / base ** exponent;
  }
  let frequency = 1 / shape.ropeTheta ** exponent;
  if (scaling?.type === 'llama3') {
    const wavelength = (2 * Math.PI) / frequency;
    const old = scaling.originalMaxPositions;
    if (wavelength > old / scaling.lowFrequencyFactor) frequency /= scaling.factor;
    else if (wavelength >= old / scaling.highFrequencyFactor) {
      const smooth =
        (old / wavelength - scaling.lowFrequencyFactor) / (scaling.highFrequencyFactor - scaling.lowFrequencyFactor);
      frequency = (1 - smooth) * (frequency / scaling.factor) + smooth * frequency;
    }
  }
  return position * frequency;
}

function rotate(
  vector: Float64Array,
  heads: number,
  shape: ModelShape,
  position: number,
  sequenceLength: number,
  interleaved: boolean,
): void {
  const { headSize } = shape;
  const half = headSize / 2;
  for (let head = 0; head < heads; head++) {
    for (let index = 0; index < half; index++) {
      const angle = rotaryAngle(shape, position, index, sequenceLength);
      const first = head * headSize + (interleaved ? 2 * index : index);
      const second = first + (interleaved ? 1 : half);
      const x = vector[first] as number;
      const y = vector[second] as number;
      vector[first] = x * Math.cos(angle) - y * Math.sin(angle);
      vector[second] = y * Math.cos(angle) + x * Math.sin(angle);
    }
  }
}

/**
 * A slow, plain forward pass of a LLaMA-family decoder, written from the architecture (pre-norm
 * RMSNorm, RoPE with its scaling, causal grouped-query attention within the sliding window, q/k/v biases,
 * SwiGLU) and independent of the ONNX graph: the oracle the converted models are tested against. Returns
 * the logits of every position, in float64.
 */
export function referenceForward(options: ReferenceForwardOptions): Float64Array[] {
  const { shape, weights, naming, tokens } = options;
  const get = (name: string): Float32Array => {
    const value = weights.get(name);
    if (!value) throw new Error(`reference forward: missing weight ${name}`);
    return value;
  };
  const layer = (index: number, weight: LayerWeight): Float32Array => {
    const location = layerWeightLocation(naming, shape, index, weight);
    return layerWeightValues(location, get(location.name));
  };
  const { hiddenSize: hidden, headSize, headCount, keyValueHeadCount } = shape;
  const interleaved = usesInterleavedRotary(naming);
  /** A projection, plus its bias (`….bias` beside the weight, one per output row) where the model has them. */
  const project = (index: number, weight: 'query' | 'key' | 'value', input: Float64Array, rows: number) => {
    const out = matrixVector(layer(index, weight), input, rows);
    if (!shape.queryKeyValueBias) return out;
    const location = layerWeightLocation(naming, shape, index, weight);
    const packed = get(location.name.replace(/weight$/, 'bias'));
    return out.map((value, row) => value + (packed[location.firstRow + row] as number));
  };
  const embedding = get(modelWeightName(naming, 'embedding'));
  let states = tokens.map((token) => Float64Array.from(embedding.subarray(token * hidden, (token + 1) * hidden)));
  for (let index = 0; index < shape.layerCount; index++) {
    const keys: Float64Array[] = [];
    const values: Float64Array[] = [];
    const queries: Float64Array[] = [];
    states.forEach((state, position) => {
      const normed = rmsNorm(state, layer(index, 'attentionNorm'), shape.rmsNormEpsilon);
      const query = project(index, 'query', normed, headCount * headSize);
      const key = project(index, 'key', normed, keyValueHeadCount * headSize);
      rotate(query, headCount, shape, position, tokens.length, interleaved);
      rotate(key, keyValueHeadCount, shape, position, tokens.length, interleaved);
      queries.push(query);
      keys.push(key);
      values.push(project(index, 'value', normed, keyValueHeadCount * headSize));
    });
    states = states.map((state, position) => {
      const attention = new Float64Array(headCount * headSize);
      for (let head = 0; head < headCount; head++) {
        const group = Math.floor(head / (headCount / keyValueHeadCount));
        // Masked (−∞) before the window: keys more than slidingWindow − 1 positions back.
        const scores = new Float64Array(position + 1).fill(Number.NEGATIVE_INFINITY);
        for (let past = 0; past <= position; past++) {
          if (shape.slidingWindow !== undefined && position - past >= shape.slidingWindow) continue;
          let dot = 0;
          for (let dimension = 0; dimension < headSize; dimension++) {
            dot +=
              (queries[position]?.[head * headSize + dimension] as number) *
              (keys[past]?.[group * headSize + dimension] as number);
          }
          scores[past] = dot / Math.sqrt(headSize);
        }
        const largest = Math.max(...scores);
        const exponentials = scores.map((score) => Math.exp(score - largest));
        const total = exponentials.reduce((sum, value) => sum + value, 0);
        for (let past = 0; past <= position; past++) {
          const weight = (exponentials[past] as number) / total;
          for (let dimension = 0; dimension < headSize; dimension++) {
            attention[head * headSize + dimension] =
              (attention[head * headSize + dimension] as number) +
              weight * (values[past]?.[group * headSize + dimension] as number);
          }
        }
      }
      const projected = matrixVector(layer(index, 'attentionOutput'), attention, hidden);
      const afterAttention = state.map((value, dimension) => value + (projected[dimension] as number));
      const normed = rmsNorm(afterAttention, layer(index, 'feedForwardNorm'), shape.rmsNormEpsilon);
      const gate = matrixVector(layer(index, 'gate'), normed, shape.intermediateSize);
      const up = matrixVector(layer(index, 'up'), normed, shape.intermediateSize);
      const activated = gate.map((value, dimension) => (value / (1 + Math.exp(-value))) * (up[dimension] as number));
      const down = matrixVector(layer(index, 'down'), activated, hidden);
      return afterAttention.map((value, dimension) => value + (down[dimension] as number));
    });
  }
  const head = shape.tiedEmbeddings ? embedding : get(modelWeightName(naming, 'languageModelHead'));
  return states.map((state) =>
    matrixVector(
      head,
      rmsNorm(state, get(modelWeightName(naming, 'finalNorm')), shape.rmsNormEpsilon),
      shape.vocabSize,
    ),
  );
}
