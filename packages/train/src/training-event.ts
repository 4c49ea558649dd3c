/** One logged training step (Megatron prints one per `log_interval`; the in-process trainer one per step). */
export interface IterationEvent {
  type: 'iteration';
  iteration: number;
  totalIterations?: number;
  /** ISO time from the log line's `[YYYY-MM-DD HH:MM:SS]` stamp, when it has one. */
  time?: string;
  learningRate?: number;
  /** Language-model loss (`lm loss`). */
  loss?: number;
  gradNorm?: number;
  lossScale?: number;
  consumedSamples?: number;
  globalBatchSize?: number;
  iterationTimeMs?: number;
  /** Tokens per second over the whole job: global batch × sequence length / iteration time. */
  tokensPerSecond?: number;
  tflopsPerGpu?: number;
  skippedIterations?: number;
  nanIterations?: number;
  /** Other `name: number` fields of the line (`mtp_1 loss`, `params norm`…). */
  extra?: Record<string, number>;
}

/** A validation pass (`validation loss at iteration N | lm loss value: … | lm loss PPL: …`). */
export interface ValidationEvent {
  type: 'validation';
  iteration: number;
  loss?: number;
  perplexity?: number;
}

/** A saved checkpoint. */
export interface CheckpointEvent {
  type: 'checkpoint';
  iteration: number;
  path?: string;
}

/** What a training run reported, FlagScale's or in-process. */
export type TrainingEvent = IterationEvent | ValidationEvent | CheckpointEvent;
