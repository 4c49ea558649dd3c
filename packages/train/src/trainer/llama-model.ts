import { RandomState } from '../random-state.js';
import { ignoreIndex } from '../sft-example.js';
import { applyRope, attention, attentionBackward, linear, linearBackward, ropeTables, rmsNorm, rmsNormBackward } from './kernels.js';

/** The shape of a small LLaMA-layout decoder (RMSNorm, rotary attention, SwiGLU, untied head). */
export interface LlamaShape {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  heads: number;
  /** Longest sequence (rotary table size). */
  maxPositions: number;
  rmsNormEpsilon: number;
  ropeTheta: number;
}

/** A named weight with its gradient, in Hugging Face LLaMA naming and [out, in] layout. */
export interface Parameter {
  name: string;
  shape: number[];
  values: Float32Array;
  gradient: Float32Array;
}

interface Layer {
  attentionNorm: Parameter;
  query: Parameter;
  key: Parameter;
  value: Parameter;
  output: Parameter;
  feedForwardNorm: Parameter;
  gate: Parameter;
  up: Parameter;
  down: Parameter;
}

interface LayerActivations {
  input: Float32Array;
  normed: Float32Array;
  inverseRms: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  probabilities: Float32Array;
  attended: Float32Array;
  middle: Float32Array;
  normedMiddle: Float32Array;
  inverseRmsMiddle: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  activated: Float32Array;
}

function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

function add(target: Float32Array, source: Float32Array): void {
  for (let index = 0; index < target.length; index += 1) target[index] = (target[index] as number) + (source[index] as number);
}

/**
 * A LLaMA-shaped decoder trained in-process with hand-written Float32Array kernels (forward and
 * backward), checked against finite differences. Small by design: a few million parameters.
 */
export class LlamaModel {
  readonly shape: LlamaShape;
  /** Every weight, in the order Hugging Face lists them. */
  readonly parameters: Parameter[];
  readonly #embedding: Parameter;
  readonly #layers: Layer[];
  readonly #finalNorm: Parameter;
  readonly #head: Parameter;
  readonly #rope: { cos: Float32Array; sin: Float32Array };

  /** A model initialised as Hugging Face LLaMA does: normal(0, 0.02) weights, norms at 1. */
  constructor(options: { shape: LlamaShape; seed: number }) {
    const { shape } = options;
    if (shape.hiddenSize % shape.heads !== 0 || (shape.hiddenSize / shape.heads) % 2 !== 0) {
      throw new RangeError(`hiddenSize ${shape.hiddenSize} must split into ${shape.heads} heads of an even size`);
    }
    this.shape = shape;
    const random = new RandomState(options.seed);
    const normal = (): number => {
      // Box–Muller on two 32-bit draws.
      const first = (random.nextUint32() + 1) / 4294967297;
      const second = random.nextUint32() / 4294967296;
      return Math.sqrt(-2 * Math.log(first)) * Math.cos(2 * Math.PI * second);
    };
    this.parameters = [];
    const parameter = (name: string, dims: number[], kind: 'weight' | 'norm'): Parameter => {
      const size = dims.reduce((product, dim) => product * dim, 1);
      const values = new Float32Array(size);
      for (let index = 0; index < size; index += 1) values[index] = kind === 'norm' ? 1 : 0.02 * normal();
      const created = { name, shape: dims, values, gradient: new Float32Array(size) };
      this.parameters.push(created);
      return created;
    };
    const { vocabSize, hiddenSize, intermediateSize } = shape;
    this.#embedding = parameter('model.embed_tokens.weight', [vocabSize, hiddenSize], 'weight');
    this.#layers = Array.from({ length: shape.layers }, (_, layer) => {
      const name = (suffix: string): string => `model.layers.${layer}.${suffix}.weight`;
      return {
        attentionNorm: parameter(name('input_layernorm'), [hiddenSize], 'norm'),
        query: parameter(name('self_attn.q_proj'), [hiddenSize, hiddenSize], 'weight'),
        key: parameter(name('self_attn.k_proj'), [hiddenSize, hiddenSize], 'weight'),
        value: parameter(name('self_attn.v_proj'), [hiddenSize, hiddenSize], 'weight'),
        output: parameter(name('self_attn.o_proj'), [hiddenSize, hiddenSize], 'weight'),
        feedForwardNorm: parameter(name('post_attention_layernorm'), [hiddenSize], 'norm'),
        gate: parameter(name('mlp.gate_proj'), [intermediateSize, hiddenSize], 'weight'),
        up: parameter(name('mlp.up_proj'), [intermediateSize, hiddenSize], 'weight'),
        down: parameter(name('mlp.down_proj'), [hiddenSize, intermediateSize], 'weight'),
      };
    });
    this.#finalNorm = parameter('model.norm.weight', [hiddenSize], 'norm');
    this.#head = parameter('lm_head.weight', [vocabSize, hiddenSize], 'weight');
    this.#rope = ropeTables(shape.maxPositions, hiddenSize / shape.heads, shape.ropeTheta);
  }

  /** Number of weights. */
  get parameterCount(): number {
    return this.parameters.reduce((total, { values }) => total + values.length, 0);
  }

  /** Sets every gradient to zero. */
  zeroGradients(): void {
    for (const { gradient } of this.parameters) gradient.fill(0);
  }

  /**
   * One sequence forward and backward: the summed cross-entropy of each position's prediction of the
   * next label (labels unshifted, -100 ignored, as FlagAI and Hugging Face compute it), with its
   * gradients added to every parameter's `gradient`. Returns the sum and how many labels counted.
   */
  accumulate(options: { inputIds: ArrayLike<number>; labels: ArrayLike<number>; exampleStarts?: readonly number[] }): { lossSum: number; tokens: number } {
    const { inputIds, labels } = options;
    const { hiddenSize: width, intermediateSize: inner, vocabSize, heads, rmsNormEpsilon: epsilon } = this.shape;
    const rows = inputIds.length;
    if (rows > this.shape.maxPositions) throw new RangeError(`a sequence of ${rows} tokens exceeds maxPositions ${this.shape.maxPositions}`);
    const headSize = width / heads;
    // Packed rows: each example attends only to itself, its rotary positions restart, and its last token
    // does not predict the next example's first.
    const first = new Int32Array(rows);
    const positions = new Int32Array(rows);
    const starts = new Set(options.exampleStarts ?? [0]);
    for (let row = 0, start = 0; row < rows; row += 1) {
      if (starts.has(row)) start = row;
      first[row] = start;
      positions[row] = row - start;
    }
    let hidden = new Float32Array(rows * width);
    for (let row = 0; row < rows; row += 1) {
      const id = inputIds[row] as number;
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new RangeError(`token id ${id} at position ${row} is outside the vocabulary of ${vocabSize}`);
      hidden.set(this.#embedding.values.subarray(id * width, (id + 1) * width), row * width);
    }
    const saved: LayerActivations[] = [];
    for (const layer of this.#layers) {
      const activations: LayerActivations = {
        input: hidden,
        normed: new Float32Array(rows * width),
        inverseRms: new Float32Array(rows),
        q: new Float32Array(rows * width),
        k: new Float32Array(rows * width),
        v: new Float32Array(rows * width),
        probabilities: new Float32Array(heads * rows * rows),
        attended: new Float32Array(rows * width),
        middle: new Float32Array(rows * width),
        normedMiddle: new Float32Array(rows * width),
        inverseRmsMiddle: new Float32Array(rows),
        gate: new Float32Array(rows * inner),
        up: new Float32Array(rows * inner),
        activated: new Float32Array(rows * inner),
      };
      rmsNorm(hidden, layer.attentionNorm.values, activations.normed, activations.inverseRms, rows, width, epsilon);
      linear(activations.normed, layer.query.values, activations.q, rows, width, width);
      linear(activations.normed, layer.key.values, activations.k, rows, width, width);
      linear(activations.normed, layer.value.values, activations.v, rows, width, width);
      applyRope(activations.q, rows, heads, headSize, this.#rope, positions, false);
      applyRope(activations.k, rows, heads, headSize, this.#rope, positions, false);
      attention(activations.q, activations.k, activations.v, activations.probabilities, activations.attended, rows, heads, headSize, first);
      linear(activations.attended, layer.output.values, activations.middle, rows, width, width);
      add(activations.middle, hidden);
      rmsNorm(activations.middle, layer.feedForwardNorm.values, activations.normedMiddle, activations.inverseRmsMiddle, rows, width, epsilon);
      linear(activations.normedMiddle, layer.gate.values, activations.gate, rows, width, inner);
      linear(activations.normedMiddle, layer.up.values, activations.up, rows, width, inner);
      for (let index = 0; index < rows * inner; index += 1) {
        const gate = activations.gate[index] as number;
        activations.activated[index] = gate * sigmoid(gate) * (activations.up[index] as number);
      }
      const output = new Float32Array(rows * width);
      linear(activations.activated, layer.down.values, output, rows, inner, width);
      add(output, activations.middle);
      saved.push(activations);
      hidden = output;
    }
    const finalNormed = new Float32Array(rows * width);
    const finalInverseRms = new Float32Array(rows);
    rmsNorm(hidden, this.#finalNorm.values, finalNormed, finalInverseRms, rows, width, epsilon);

    // Logits in chunks of rows (position t predicts labels[t + 1]), so the head's kernels see several rows.
    const dFinal = new Float32Array(rows * width);
    const chunk = 16;
    const logits = new Float32Array(chunk * vocabSize);
    let lossSum = 0;
    let tokens = 0;
    for (let start = 0; start + 1 < rows; start += chunk) {
      const count = Math.min(chunk, rows - 1 - start);
      const inputs = finalNormed.subarray(start * width, (start + count) * width);
      linear(inputs, this.#head.values, logits, count, width, vocabSize);
      for (let row = 0; row < count; row += 1) {
        const target = labels[start + row + 1] as number;
        const offset = row * vocabSize;
        if (target === ignoreIndex || starts.has(start + row + 1)) {
          logits.fill(0, offset, offset + vocabSize);
          continue;
        }
        if (!Number.isInteger(target) || target < 0 || target >= vocabSize) throw new RangeError(`label ${target} at position ${start + row + 1} is outside the vocabulary of ${vocabSize}`);
        let max = Number.NEGATIVE_INFINITY;
        for (let token = 0; token < vocabSize; token += 1) max = Math.max(max, logits[offset + token] as number);
        const targetLogit = logits[offset + target] as number;
        // The logits become their gradient: softmax minus the one-hot target.
        let total = 0;
        for (let token = 0; token < vocabSize; token += 1) {
          const weight = Math.exp((logits[offset + token] as number) - max);
          logits[offset + token] = weight;
          total += weight;
        }
        lossSum += Math.log(total) + max - targetLogit;
        tokens += 1;
        const inverse = 1 / total;
        for (let token = 0; token < vocabSize; token += 1) logits[offset + token] = (logits[offset + token] as number) * inverse;
        logits[offset + target] = (logits[offset + target] as number) - 1;
      }
      linearBackward(logits, inputs, this.#head.values, dFinal.subarray(start * width, (start + count) * width), this.#head.gradient, count, width, vocabSize);
    }
    if (tokens === 0) return { lossSum: 0, tokens: 0 };

    let dHidden = new Float32Array(rows * width);
    rmsNormBackward(dFinal, hidden, this.#finalNorm.values, finalInverseRms, dHidden, this.#finalNorm.gradient, rows, width, );
    for (let index = this.#layers.length - 1; index >= 0; index -= 1) {
      const layer = this.#layers[index] as Layer;
      const activations = saved[index] as LayerActivations;
      // out = middle + down(activated): the residual passes dHidden to middle unchanged.
      const dMiddle = Float32Array.from(dHidden);
      const dActivated = new Float32Array(rows * inner);
      linearBackward(dHidden, activations.activated, layer.down.values, dActivated, layer.down.gradient, rows, inner, width);
      const dGate = new Float32Array(rows * inner);
      const dUp = new Float32Array(rows * inner);
      for (let position = 0; position < rows * inner; position += 1) {
        const gate = activations.gate[position] as number;
        const sig = sigmoid(gate);
        const gradient = dActivated[position] as number;
        dUp[position] = gradient * gate * sig;
        dGate[position] = gradient * (activations.up[position] as number) * sig * (1 + gate * (1 - sig));
      }
      const dNormedMiddle = new Float32Array(rows * width);
      linearBackward(dGate, activations.normedMiddle, layer.gate.values, dNormedMiddle, layer.gate.gradient, rows, width, inner);
      linearBackward(dUp, activations.normedMiddle, layer.up.values, dNormedMiddle, layer.up.gradient, rows, width, inner);
      rmsNormBackward(dNormedMiddle, activations.middle, layer.feedForwardNorm.values, activations.inverseRmsMiddle, dMiddle, layer.feedForwardNorm.gradient, rows, width);
      // middle = input + o_proj(attended).
      const dInput = Float32Array.from(dMiddle);
      const dAttended = new Float32Array(rows * width);
      linearBackward(dMiddle, activations.attended, layer.output.values, dAttended, layer.output.gradient, rows, width, width);
      const dq = new Float32Array(rows * width);
      const dk = new Float32Array(rows * width);
      const dv = new Float32Array(rows * width);
      attentionBackward(dAttended, activations.q, activations.k, activations.v, activations.probabilities, dq, dk, dv, rows, heads, headSize, first);
      applyRope(dq, rows, heads, headSize, this.#rope, positions, true);
      applyRope(dk, rows, heads, headSize, this.#rope, positions, true);
      const dNormed = new Float32Array(rows * width);
      linearBackward(dq, activations.normed, layer.query.values, dNormed, layer.query.gradient, rows, width, width);
      linearBackward(dk, activations.normed, layer.key.values, dNormed, layer.key.gradient, rows, width, width);
      linearBackward(dv, activations.normed, layer.value.values, dNormed, layer.value.gradient, rows, width, width);
      rmsNormBackward(dNormed, activations.input, layer.attentionNorm.values, activations.inverseRms, dInput, layer.attentionNorm.gradient, rows, width);
      dHidden = dInput;
    }
    for (let row = 0; row < rows; row += 1) {
      const id = inputIds[row] as number;
      const offset = id * width;
      for (let index = 0; index < width; index += 1) {
        this.#embedding.gradient[offset + index] = (this.#embedding.gradient[offset + index] as number) + (dHidden[row * width + index] as number);
      }
    }
    return { lossSum, tokens };
  }
}
