import { KernelArena } from './kernel-arena.js';
import type { Parameter } from './llama-model.js';

/** Options of `AdamW`. */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * One tensor's AdamW update (a function of its own so V8 compiles one tight loop). Moments below 1e-30 are
 * flushed to 0: decaying towards float32 subnormals, they would slow every later step.
 */
function update(
  values: Float32Array,
  gradient: Float32Array,
  first: Float32Array,
  second: Float32Array,
  constants: {
    decay: number;
    gradientScale: number;
    beta1: number;
    beta2: number;
    stepSize: number;
    rmsScale: number;
    eps: number;
  },
): void {
  const { decay, gradientScale, beta1, beta2, stepSize, rmsScale, eps } = constants;
  const keep1 = 1 - beta1;
  const keep2 = 1 - beta2;
  for (let index = 0; index < values.length; index += 1) {
    const g = (gradient[index] as number) * gradientScale;
    let m = beta1 * (first[index] as number) + keep1 * g;
    let v = beta2 * (second[index] as number) + keep2 * g * g;
    if (m < 1e-30 && m > -1e-30) m = 0;
    if (v < 1e-30) v = 0;
    first[index] = m;
    second[index] = v;
    values[index] = (values[index] as number) * decay - (stepSize * m) / (Math.sqrt(v) * rmsScale + eps);
  }
}

/** Decoupled-weight-decay Adam (PyTorch `AdamW`, bmtrain's Adam with weight decay), bias-corrected. */
export class AdamW {
  readonly #options: AdamWOptions;
  readonly #moments = new Map<Parameter, { first: Float32Array; second: Float32Array }>();
  #step = 0;

  constructor(options: AdamWOptions) {
    this.#options = options;
  }

  /**
   * One update of every parameter from its `gradient` times `gradientScale` at learning rate `lr` (the
   * scale folds the batch mean and clipping into this pass instead of two more over every weight).
   */
  step(parameters: readonly Parameter[], lr: number, gradientScale = 1): void {
    const { beta1, beta2, eps, weightDecay } = this.#options;
    this.#step += 1;
    const firstCorrection = 1 - beta1 ** this.#step;
    const secondCorrection = 1 - beta2 ** this.#step;
    for (const parameter of parameters) {
      const { values, gradient } = parameter;
      // A model's weights in a kernel arena get their moments there too, and the SIMD update.
      const arena = KernelArena.of(values);
      const inArena =
        arena !== undefined && KernelArena.of(gradient) === arena && arena.available >= 2 * values.length + 8;
      let moments = this.#moments.get(parameter);
      if (moments === undefined) {
        const allocate = (length: number): Float32Array =>
          inArena ? arena.allocate(length) : new Float32Array(length);
        moments = { first: allocate(values.length), second: allocate(values.length) };
        this.#moments.set(parameter, moments);
      }
      const { first, second } = moments;
      // LLaMA recipes decay matrices only; RMSNorm gains (1-d) are left alone.
      const decay = parameter.shape.length > 1 ? 1 - lr * weightDecay : 1;
      const constants = {
        decay,
        gradientScale,
        beta1,
        beta2,
        stepSize: lr / firstCorrection,
        rmsScale: 1 / Math.sqrt(secondCorrection),
        eps,
      };
      if (arena !== undefined && KernelArena.of(first) === arena)
        arena.adamw(values, gradient, first, second, constants);
      else update(values, gradient, first, second, constants);
    }
  }
}

/** The global L2 norm of all gradients. */
export function gradientNorm(parameters: readonly Parameter[]): number {
  let squares = 0;
  for (const { gradient } of parameters) {
    for (let index = 0; index < gradient.length; index += 1)
      squares += (gradient[index] as number) * (gradient[index] as number);
  }
  return Math.sqrt(squares);
}

/** The factor that brings a gradient norm down to `maxNorm` (1 when already below it, or when `maxNorm` is 0). */
export function clipFactor(norm: number, maxNorm: number): number {
  return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}

/** Scales all gradients so their global L2 norm is at most `maxNorm` (0: no clipping); returns the norm before. */
export function clipGradientNorm(parameters: readonly Parameter[], maxNorm: number): number {
  const norm = gradientNorm(parameters);
  const scale = clipFactor(norm, maxNorm);
  if (scale !== 1) {
    for (const { gradient } of parameters)
      for (let index = 0; index < gradient.length; index += 1) gradient[index] = (gradient[index] as number) * scale;
  }
  return norm;
}
