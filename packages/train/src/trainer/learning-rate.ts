/** Options of `learningRateAt`. */
export interface LearningRateOptions {
  /** The optimizer step, from 0. */
  step: number;
  totalSteps: number;
  warmupSteps: number;
  lr: number;
  /** The floor decay ends at (FlagAI's cosine: 10 % of lr; its linear: 0). */
  minLr: number;
  style: 'cosine' | 'linear' | 'constant';
}

/**
 * FlagAI's schedules: linear warmup from 0 (`lr · t / warmup`), then `Cosine10PP` (cosine from lr down to
 * minLr) or bmtrain's `Linear` (straight down to minLr at the last step), or constant.
 */
export function learningRateAt(options: LearningRateOptions): number {
  const { step, totalSteps, warmupSteps, lr, minLr, style } = options;
  if (step < warmupSteps) return (lr * step) / warmupSteps;
  if (style === 'constant') return lr;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  if (style === 'linear') return Math.max(minLr, minLr + (lr - minLr) * (1 - progress));
  return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
