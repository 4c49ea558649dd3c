import { flushTiny } from './kernels.js';
import type { Parameter } from './llama-model.js';

/** Options of `AdamW`. */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
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
      let moments = this.#moments.get(parameter);
      if (moments === undefined) {
        moments = { first: new Float32Array(parameter.values.length), second: new Float32Array(parameter.values.length) };
        this.#moments.set(parameter, moments);
      }
      const { first, second } = moments;
      const { values, gradient } = parameter;
      // LLaMA recipes decay matrices only; RMSNorm gains (1-d) are left alone.
      const decay = parameter.shape.length > 1 ? 1 - lr * weightDecay : 1;
      for (let index = 0; index < values.length; index += 1) {
        const g = (gradient[index] as number) * gradientScale;
        const m = flushTiny(beta1 * (first[index] as number) + (1 - beta1) * g);
        const v = flushTiny(beta2 * (second[index] as number) + (1 - beta2) * g * g);
        first[index] = m;
        second[index] = v;
        values[index] = (values[index] as number) * decay - (lr * (m / firstCorrection)) / (Math.sqrt(v / secondCorrection) + eps);
      }
    }
  }
}

/** The global L2 norm of all gradients. */
export function gradientNorm(parameters: readonly Parameter[]): number {
  let squares = 0;
  for (const { gradient } of parameters) {
    for (let index = 0; index < gradient.length; index += 1) squares += (gradient[index] as number) * (gradient[index] as number);
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
    for (const { gradient } of parameters) for (let index = 0; index < gradient.length; index += 1) gradient[index] = (gradient[index] as number) * scale;
  }
  return norm;
}
