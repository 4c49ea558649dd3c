import { RandomState } from '../random-state.js';
import type { IterationEvent } from '../training-event.js';
import { AdamW, clipFactor, gradientNorm } from './adamw.js';
import { learningRateAt } from './learning-rate.js';
import type { LlamaModel } from './llama-model.js';

/** A training sequence: ids and unshifted labels (-100: no loss). */
export interface TrainingSequence {
  inputIds: ArrayLike<number>;
  labels: ArrayLike<number>;
  /** Where each packed example starts (attention and positions restart there); one example when absent. */
  exampleStarts?: readonly number[];
}

/** Options of `trainLlama`. */
export interface TrainLlamaOptions {
  model: LlamaModel;
  /** The training set; visited in a new shuffled order every epoch. */
  sequences: readonly TrainingSequence[];
  steps: number;
  /** Sequences per optimizer step. */
  batchSize: number;
  optimizer: {
    lr: number;
    minLr: number;
    weightDecay: number;
    beta1: number;
    beta2: number;
    eps: number;
    clipGrad: number;
  };
  schedule: { warmupSteps: number; style: 'cosine' | 'linear' | 'constant' };
  /** Seed of the epoch shuffles. */
  seed: number;
  /** Steps already taken (a resumed run): the data order and the schedule continue from there. */
  startStep?: number;
  /** Called after every step with its loss, learning rate, gradient norm and speed. */
  onEvent?: (event: IterationEvent) => void | Promise<void>;
  signal?: AbortSignal;
}

/**
 * Trains a model in-process: mean cross-entropy over the batch's counted labels, global-norm gradient
 * clipping, AdamW, and FlagAI's warmup + cosine/linear schedule. Reports one `iteration` event per step.
 */
export async function trainLlama(options: TrainLlamaOptions): Promise<IterationEvent[]> {
  const { model, sequences, steps, batchSize, optimizer, schedule } = options;
  if (sequences.length === 0) throw new RangeError('trainLlama needs at least one training sequence');
  const adamw = new AdamW(optimizer);
  const random = new RandomState(options.seed);
  let order = random.shuffle(Array.from(sequences.keys()));
  let cursor = 0;
  const startStep = options.startStep ?? 0;
  // Replay the draws of the steps already taken, so a resumed run sees the data it would have seen.
  for (let draw = 0; draw < startStep * batchSize; draw += 1) {
    if (cursor === order.length) {
      order = random.shuffle(order);
      cursor = 0;
    }
    cursor += 1;
  }
  const events: IterationEvent[] = [];
  for (let step = startStep; step < steps; step += 1) {
    options.signal?.throwIfAborted();
    const started = performance.now();
    model.zeroGradients();
    let lossSum = 0;
    let counted = 0;
    let processed = 0;
    for (let item = 0; item < batchSize; item += 1) {
      if (cursor === order.length) {
        order = random.shuffle(order);
        cursor = 0;
      }
      const sequence = sequences[order[cursor] as number] as TrainingSequence;
      cursor += 1;
      const result = model.accumulate(sequence);
      lossSum += result.lossSum;
      counted += result.tokens;
      processed += sequence.inputIds.length;
    }
    // The mean over counted labels and the clipping scale the gradients inside AdamW's pass.
    const mean = counted > 0 ? 1 / counted : 1;
    const gradNorm = gradientNorm(model.parameters) * mean;
    const learningRate = learningRateAt({
      step,
      totalSteps: steps,
      warmupSteps: schedule.warmupSteps,
      lr: optimizer.lr,
      minLr: optimizer.minLr,
      style: schedule.style,
    });
    adamw.step(model.parameters, learningRate, mean * clipFactor(gradNorm, optimizer.clipGrad));
    const elapsed = performance.now() - started;
    const event: IterationEvent = {
      type: 'iteration',
      iteration: step + 1,
      totalIterations: steps,
      loss: counted > 0 ? lossSum / counted : Number.NaN,
      learningRate,
      gradNorm,
      consumedSamples: (step + 1) * batchSize,
      globalBatchSize: batchSize,
      iterationTimeMs: elapsed,
      tokensPerSecond: (processed * 1000) / elapsed,
    };
    events.push(event);
    await options.onEvent?.(event);
    // Let timers and signals run between steps.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return events;
}
