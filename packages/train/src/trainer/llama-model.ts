import { RandomState } from '../random-state.js';
import { ignoreIndex } from '../sft-example.js';
import { CausalAttention } from './causal-attention.js';
import { KernelArena } from './kernel-arena.js';
import { applyRope, flushTiny, rmsNorm, rmsNormBackward, ropeTables } from './kernels.js';

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

/** A linear layer's weight with its [in, out] copy, which the forward multiply reads row by row. */
interface Linear {
  parameter: Parameter;
  transposed: Float32Array;
  inputs: number;
  outputs: number;
}

interface Layer {
  attentionNorm: Parameter;
  query: Linear;
  key: Linear;
  value: Linear;
  output: Linear;
  feedForwardNorm: Parameter;
  gate: Linear;
  up: Linear;
  down: Linear;
}

/** One layer's saved activations, for `maxPositions` rows (a sequence uses the first rows). */
interface LayerActivations {
  normed: Float32Array;
  inverseRms: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** Each head's and row's attention log-sum-exp, [heads, rows]. */
  logSumExp: Float32Array;
  attended: Float32Array;
  middle: Float32Array;
  normedMiddle: Float32Array;
  inverseRmsMiddle: Float32Array;
  gate: Float32Array;
  /** sigmoid(gate), kept for the backward pass. */
  sigmoid: Float32Array;
  up: Float32Array;
  activated: Float32Array;
  /** The layer's output: the next layer's input. */
  output: Float32Array;
}

/** Gradient buffers shared by every layer's backward pass. */
interface BackwardBuffers {
  hidden: Float32Array;
  middle: Float32Array;
  input: Float32Array;
  attended: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  normed: Float32Array;
  normedMiddle: Float32Array;
  activated: Float32Array;
  gate: Float32Array;
  up: Float32Array;
}

function add(target: Float32Array, source: Float32Array): void {
  for (let index = 0; index < target.length; index += 1)
    target[index] = (target[index] as number) + (source[index] as number);
}

/** transposed[i, o] = weight[o, i]. */
function transpose(weight: Float32Array, transposed: Float32Array, outputs: number, inputs: number): void {
  for (let output = 0; output < outputs; output += 1) {
    const offset = output * inputs;
    for (let input = 0; input < inputs; input += 1)
      transposed[input * outputs + output] = weight[offset + input] as number;
  }
}

/** Floats an arena needs for these allocations (each rounded up to 16 bytes). */
function arenaFloats(lengths: number[]): number {
  return lengths.reduce((total, length) => total + Math.ceil(length / 4) * 4, 0);
}

/**
 * A LLaMA-shaped decoder trained in-process: matrix multiplies in WebAssembly SIMD on weights, gradients and
 * activations that live in one wasm memory (allocated once, so a step allocates nothing big), the rest in
 * Float32Array loops; gradients checked against finite differences. Small by design: a few million parameters.
 */
export class LlamaModel {
  readonly shape: LlamaShape;
  /** Every weight, in the order Hugging Face lists them. */
  readonly parameters: Parameter[];
  readonly #arena: KernelArena;
  readonly #embedding: Parameter;
  readonly #layers: Layer[];
  readonly #finalNorm: Parameter;
  readonly #head: Linear;
  readonly #rope: { cos: Float32Array; sin: Float32Array };
  readonly #attention: CausalAttention;
  readonly #embedded: Float32Array;
  readonly #activations: LayerActivations[];
  readonly #backward: BackwardBuffers;
  readonly #finalNormed: Float32Array;
  readonly #finalInverseRms: Float32Array;
  readonly #dFinal: Float32Array;
  /** The rows whose next label counts, gathered so the vocabulary-sized head skips masked rows. */
  readonly #gathered: Float32Array;
  readonly #dGathered: Float32Array;
  readonly #logits: Float32Array;
  readonly #logitRows: number;

  /**
   * A model initialised as Hugging Face LLaMA does: normal(0, 0.02) weights, norms at 1. `threads` (1 or 2,
   * default 1) is how many threads its large matrix multiplies use; see `KernelArena`.
   */
  constructor(options: { shape: LlamaShape; seed: number; threads?: 1 | 2 }) {
    const { shape } = options;
    if (shape.hiddenSize % shape.heads !== 0 || (shape.hiddenSize / shape.heads) % 2 !== 0) {
      throw new RangeError(`hiddenSize ${shape.hiddenSize} must split into ${shape.heads} heads of an even size`);
    }
    this.shape = shape;
    const { vocabSize, hiddenSize: width, intermediateSize: inner, maxPositions: rows, layers } = shape;
    // Logit rows per head multiply: all rows for a compact vocabulary, fewer for a large one (≤ 16 MiB).
    this.#logitRows = Math.max(1, Math.min(rows, Math.floor(4_194_304 / vocabSize)));
    const square = width * width;
    const attentionShape = { heads: shape.heads, headSize: width / shape.heads, maxRows: rows };
    const layerWeights = [width, square, square, square, square, width, inner * width, inner * width, width * inner];
    const matrices = [square, square, square, square, inner * width, inner * width, width * inner];
    const layerActivations = [
      ...Array.from({ length: 8 }, () => rows * width),
      rows * inner,
      rows * inner,
      rows * inner,
    ];
    this.#arena = new KernelArena({
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      floats: arenaFloats([
        // Weights, gradients and AdamW's two moments.
        ...[vocabSize * width, width, vocabSize * width].flatMap((length) => [length, length, length, length]),
        ...Array.from({ length: layers }, () => [
          ...layerWeights,
          ...layerWeights,
          ...layerWeights,
          ...layerWeights,
          ...matrices,
          ...layerActivations,
        ]).flat(),
        vocabSize * width,
        ...Array.from({ length: 14 }, () => rows * width),
        rows * inner,
        rows * inner,
        rows * inner,
        this.#logitRows * vocabSize,
        ...CausalAttention.arenaFloats(attentionShape),
      ]),
    });
    const arena = this.#arena;
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
      const values = arena.allocate(size);
      for (let index = 0; index < size; index += 1) values[index] = kind === 'norm' ? 1 : 0.02 * normal();
      const created = { name, shape: dims, values, gradient: arena.allocate(size) };
      this.parameters.push(created);
      return created;
    };
    const linear = (name: string, outputs: number, inputs: number): Linear => ({
      parameter: parameter(name, [outputs, inputs], 'weight'),
      transposed: arena.allocate(outputs * inputs),
      inputs,
      outputs,
    });
    this.#embedding = parameter('model.embed_tokens.weight', [vocabSize, width], 'weight');
    this.#layers = Array.from({ length: layers }, (_, layer) => {
      const name = (suffix: string): string => `model.layers.${layer}.${suffix}.weight`;
      return {
        attentionNorm: parameter(name('input_layernorm'), [width], 'norm'),
        query: linear(name('self_attn.q_proj'), width, width),
        key: linear(name('self_attn.k_proj'), width, width),
        value: linear(name('self_attn.v_proj'), width, width),
        output: linear(name('self_attn.o_proj'), width, width),
        feedForwardNorm: parameter(name('post_attention_layernorm'), [width], 'norm'),
        gate: linear(name('mlp.gate_proj'), inner, width),
        up: linear(name('mlp.up_proj'), inner, width),
        down: linear(name('mlp.down_proj'), width, inner),
      };
    });
    this.#finalNorm = parameter('model.norm.weight', [width], 'norm');
    this.#head = linear('lm_head.weight', vocabSize, width);
    this.#rope = ropeTables(rows, width / shape.heads, shape.ropeTheta);
    this.#embedded = arena.allocate(rows * width);
    this.#activations = this.#layers.map(() => ({
      normed: arena.allocate(rows * width),
      inverseRms: new Float32Array(rows),
      q: arena.allocate(rows * width),
      k: arena.allocate(rows * width),
      v: arena.allocate(rows * width),
      logSumExp: new Float32Array(shape.heads * rows),
      attended: arena.allocate(rows * width),
      middle: arena.allocate(rows * width),
      normedMiddle: arena.allocate(rows * width),
      inverseRmsMiddle: new Float32Array(rows),
      gate: arena.allocate(rows * inner),
      sigmoid: new Float32Array(rows * inner),
      up: arena.allocate(rows * inner),
      activated: arena.allocate(rows * inner),
      output: arena.allocate(rows * width),
    }));
    this.#finalNormed = arena.allocate(rows * width);
    this.#finalInverseRms = new Float32Array(rows);
    this.#dFinal = arena.allocate(rows * width);
    this.#gathered = arena.allocate(rows * width);
    this.#dGathered = arena.allocate(rows * width);
    this.#backward = {
      hidden: arena.allocate(rows * width),
      middle: arena.allocate(rows * width),
      input: arena.allocate(rows * width),
      attended: arena.allocate(rows * width),
      q: arena.allocate(rows * width),
      k: arena.allocate(rows * width),
      v: arena.allocate(rows * width),
      normed: arena.allocate(rows * width),
      normedMiddle: arena.allocate(rows * width),
      activated: arena.allocate(rows * inner),
      gate: arena.allocate(rows * inner),
      up: arena.allocate(rows * inner),
    };
    this.#logits = arena.allocate(this.#logitRows * vocabSize);
    this.#attention = new CausalAttention({ arena, shape: attentionShape });
  }

  /** Number of weights. */
  get parameterCount(): number {
    return this.parameters.reduce((total, { values }) => total + values.length, 0);
  }

  /** Sets every gradient to zero. */
  zeroGradients(): void {
    for (const { gradient } of this.parameters) gradient.fill(0);
  }

  /** y = x · Wᵀ over `rows` rows. */
  #forward(x: Float32Array, weight: Linear, y: Float32Array, rows: number): void {
    this.#arena.gemm(x, weight.inputs, 1, weight.transposed, y, rows, weight.outputs, weight.inputs, false);
  }

  /** dx (+)= dy · W and dW += dyᵀ · x for y = x · Wᵀ. */
  #backwardLinear(
    dy: Float32Array,
    x: Float32Array,
    weight: Linear,
    dx: Float32Array,
    rows: number,
    accumulate: boolean,
  ): void {
    const { inputs, outputs, parameter } = weight;
    this.#arena.gemm(dy, outputs, 1, parameter.values, dx, rows, inputs, outputs, accumulate);
    this.#arena.gemm(dy, 1, outputs, x, parameter.gradient, outputs, inputs, rows, true);
  }

  /**
   * One sequence forward and backward: the summed cross-entropy of each position's prediction of the
   * next label (labels unshifted, -100 ignored, as FlagAI and Hugging Face compute it), with its
   * gradients added to every parameter's `gradient`. Returns the sum and how many labels counted.
   */
  accumulate(options: { inputIds: ArrayLike<number>; labels: ArrayLike<number>; exampleStarts?: readonly number[] }): {
    lossSum: number;
    tokens: number;
  } {
    const { inputIds, labels } = options;
    const { hiddenSize: width, intermediateSize: inner, vocabSize, heads, rmsNormEpsilon: epsilon } = this.shape;
    const rows = inputIds.length;
    if (rows > this.shape.maxPositions)
      throw new RangeError(`a sequence of ${rows} tokens exceeds maxPositions ${this.shape.maxPositions}`);
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
    // Position t predicts labels[t + 1]; only the rows whose label counts reach the head.
    const counted: number[] = [];
    for (let row = 0; row + 1 < rows; row += 1) {
      const target = labels[row + 1] as number;
      if (target === ignoreIndex || starts.has(row + 1)) continue;
      if (!Number.isInteger(target) || target < 0 || target >= vocabSize)
        throw new RangeError(`label ${target} at position ${row + 1} is outside the vocabulary of ${vocabSize}`);
      counted.push(row);
    }
    const view = (buffer: Float32Array, size: number): Float32Array => buffer.subarray(0, rows * size);
    const embedded = view(this.#embedded, width);
    for (let row = 0; row < rows; row += 1) {
      const id = inputIds[row] as number;
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
        throw new RangeError(`token id ${id} at position ${row} is outside the vocabulary of ${vocabSize}`);
      embedded.set(this.#embedding.values.subarray(id * width, (id + 1) * width), row * width);
    }
    // The weights may have changed since the last call (an optimizer step, a test's nudge).
    for (const layer of this.#layers)
      for (const weight of [layer.query, layer.key, layer.value, layer.output, layer.gate, layer.up, layer.down])
        transpose(weight.parameter.values, weight.transposed, weight.outputs, weight.inputs);
    transpose(this.#head.parameter.values, this.#head.transposed, vocabSize, width);

    let hidden = embedded;
    this.#layers.forEach((layer, index) => {
      const saved = this.#activations[index] as LayerActivations;
      const normed = view(saved.normed, width);
      const q = view(saved.q, width);
      const k = view(saved.k, width);
      const v = view(saved.v, width);
      const attended = view(saved.attended, width);
      const middle = view(saved.middle, width);
      const normedMiddle = view(saved.normedMiddle, width);
      const gate = view(saved.gate, inner);
      const up = view(saved.up, inner);
      const activated = view(saved.activated, inner);
      const output = view(saved.output, width);
      rmsNorm(hidden, layer.attentionNorm.values, normed, saved.inverseRms, rows, width, epsilon);
      this.#forward(normed, layer.query, q, rows);
      this.#forward(normed, layer.key, k, rows);
      this.#forward(normed, layer.value, v, rows);
      applyRope(q, rows, heads, headSize, this.#rope, positions, false);
      applyRope(k, rows, heads, headSize, this.#rope, positions, false);
      this.#attention.forward(q, k, v, attended, saved.logSumExp, rows, first);
      this.#forward(attended, layer.output, middle, rows);
      add(middle, hidden);
      rmsNorm(middle, layer.feedForwardNorm.values, normedMiddle, saved.inverseRmsMiddle, rows, width, epsilon);
      this.#forward(normedMiddle, layer.gate, gate, rows);
      this.#forward(normedMiddle, layer.up, up, rows);
      for (let position = 0; position < rows * inner; position += 1) {
        const value = gate[position] as number;
        const sig = 1 / (1 + Math.exp(-value));
        saved.sigmoid[position] = sig;
        activated[position] = value * sig * (up[position] as number);
      }
      this.#forward(activated, layer.down, output, rows);
      add(output, middle);
      hidden = output;
    });
    const finalNormed = view(this.#finalNormed, width);
    rmsNorm(hidden, this.#finalNorm.values, finalNormed, this.#finalInverseRms, rows, width, epsilon);
    if (counted.length === 0) return { lossSum: 0, tokens: 0 };

    const gathered = this.#gathered;
    counted.forEach((row, index) => gathered.set(finalNormed.subarray(row * width, (row + 1) * width), index * width));
    let lossSum = 0;
    for (let start = 0; start < counted.length; start += this.#logitRows) {
      const count = Math.min(this.#logitRows, counted.length - start);
      const inputs = gathered.subarray(start * width, (start + count) * width);
      const logits = this.#logits.subarray(0, count * vocabSize);
      this.#forward(inputs, this.#head, logits, count);
      for (let row = 0; row < count; row += 1) {
        const target = labels[(counted[start + row] as number) + 1] as number;
        const offset = row * vocabSize;
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
        const inverse = 1 / total;
        for (let token = 0; token < vocabSize; token += 1)
          logits[offset + token] = flushTiny((logits[offset + token] as number) * inverse);
        logits[offset + target] = (logits[offset + target] as number) - 1;
      }
      this.#backwardLinear(
        logits,
        inputs,
        this.#head,
        this.#dGathered.subarray(start * width, (start + count) * width),
        count,
        false,
      );
    }
    const dFinal = view(this.#dFinal, width);
    dFinal.fill(0);
    counted.forEach((row, index) =>
      dFinal.set(this.#dGathered.subarray(index * width, (index + 1) * width), row * width),
    );

    const buffers = this.#backward;
    const dHidden = view(buffers.hidden, width);
    const dMiddle = view(buffers.middle, width);
    const dInput = view(buffers.input, width);
    const dAttended = view(buffers.attended, width);
    const dq = view(buffers.q, width);
    const dk = view(buffers.k, width);
    const dv = view(buffers.v, width);
    const dNormed = view(buffers.normed, width);
    const dNormedMiddle = view(buffers.normedMiddle, width);
    const dActivated = view(buffers.activated, inner);
    const dGate = view(buffers.gate, inner);
    const dUp = view(buffers.up, inner);
    dHidden.fill(0);
    rmsNormBackward(
      dFinal,
      hidden,
      this.#finalNorm.values,
      this.#finalInverseRms,
      dHidden,
      this.#finalNorm.gradient,
      rows,
      width,
    );
    for (let index = this.#layers.length - 1; index >= 0; index -= 1) {
      const layer = this.#layers[index] as Layer;
      const saved = this.#activations[index] as LayerActivations;
      const input = index === 0 ? embedded : view((this.#activations[index - 1] as LayerActivations).output, width);
      const normedMiddle = view(saved.normedMiddle, width);
      const gate = view(saved.gate, inner);
      const up = view(saved.up, inner);
      // out = middle + down(activated): the residual passes dHidden to middle unchanged.
      dMiddle.set(dHidden);
      this.#backwardLinear(dHidden, view(saved.activated, inner), layer.down, dActivated, rows, false);
      for (let position = 0; position < rows * inner; position += 1) {
        const value = gate[position] as number;
        const sig = saved.sigmoid[position] as number;
        const gradient = dActivated[position] as number;
        dUp[position] = gradient * value * sig;
        dGate[position] = gradient * (up[position] as number) * sig * (1 + value * (1 - sig));
      }
      this.#backwardLinear(dGate, normedMiddle, layer.gate, dNormedMiddle, rows, false);
      this.#backwardLinear(dUp, normedMiddle, layer.up, dNormedMiddle, rows, true);
      rmsNormBackward(
        dNormedMiddle,
        view(saved.middle, width),
        layer.feedForwardNorm.values,
        saved.inverseRmsMiddle,
        dMiddle,
        layer.feedForwardNorm.gradient,
        rows,
        width,
      );
      // middle = input + o_proj(attended).
      dInput.set(dMiddle);
      this.#backwardLinear(dMiddle, view(saved.attended, width), layer.output, dAttended, rows, false);
      this.#attention.backward(
        dAttended,
        view(saved.q, width),
        view(saved.k, width),
        view(saved.v, width),
        saved.logSumExp,
        dq,
        dk,
        dv,
        rows,
        first,
      );
      applyRope(dq, rows, heads, headSize, this.#rope, positions, true);
      applyRope(dk, rows, heads, headSize, this.#rope, positions, true);
      const normed = view(saved.normed, width);
      this.#backwardLinear(dq, normed, layer.query, dNormed, rows, false);
      this.#backwardLinear(dk, normed, layer.key, dNormed, rows, true);
      this.#backwardLinear(dv, normed, layer.value, dNormed, rows, true);
      rmsNormBackward(
        dNormed,
        input,
        layer.attentionNorm.values,
        saved.inverseRms,
        dInput,
        layer.attentionNorm.gradient,
        rows,
        width,
      );
      dHidden.set(dInput);
    }
    for (let row = 0; row < rows; row += 1) {
      const offset = (inputIds[row] as number) * width;
      for (let index = 0; index < width; index += 1) {
        this.#embedding.gradient[offset + index] =
          (this.#embedding.gradient[offset + index] as number) + (dHidden[row * width + index] as number);
      }
    }
    return { lossSum, tokens: counted.length };
  }
}
