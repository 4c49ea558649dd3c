/** The shape of an Aquila-like decoder (LLaMA layout: RMSNorm, SwiGLU, rotary, untied embeddings). */
interface ModelConfig {
  /** Transformer blocks. */
  layers: number;
  hiddenSize: number;
  attentionHeads: number;
  /** SwiGLU inner size; default: LLaMA's rounding of 8/3 · hiddenSize up to a multiple of 256. */
  ffnHiddenSize: number;
  vocabSize: number;
  /** Tokens per training sequence (Megatron `seq_length`, FlagAI's max length). */
  sequenceLength: number;
  normEpsilon: number;
  ropeTheta: number;
  /** A checkpoint to start from (FlagScale: a Megatron checkpoint directory; local: safetensors directory). */
  checkpoint?: string;
}

/** One indexed dataset of a pretraining blend. */
interface DataBlendEntry {
  /** Path without `.bin`/`.idx`. */
  prefix: string;
  weight: number;
}

/** Where the training data comes from. */
interface DataConfig {
  /** Pretraining (or loss-masked SFT) indexed datasets and their weights. */
  blend: DataBlendEntry[];
  /** SFT conversations as FlagAI JSONL (`{conversations: [{from, value}], instruction}`). */
  sftFile?: string;
  /** Megatron's `--split`. */
  split: string;
  /** Seed of the index maps (FlagAI's AquilaSQL: 2023). */
  seed: number;
  /** Local engine, SFT: pack several examples into each sequence (kept apart by attention) instead of one per row. */
  packing: boolean;
}

interface TokenizerFiles {
  vocabFile?: string;
  mergeFile?: string;
  specialTokensFile?: string;
}

interface OptimizerConfig {
  lr: number;
  minLr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Global gradient-norm clip (0 disables). */
  clipGrad: number;
}

/** How long to train and how the learning rate moves; exactly one of epochs, trainSamples, trainIterations. */
interface ScheduleConfig {
  epochs?: number;
  trainSamples?: number;
  trainIterations?: number;
  /** Warmup as a fraction of the run (FlagAI's `warm_up`). */
  warmupFraction?: number;
  /** Warmup in samples (Megatron's `lr_warmup_samples`). */
  warmupSamples?: number;
  decayStyle: 'cosine' | 'linear' | 'constant';
}

interface BatchConfig {
  /** Samples per GPU per step (FlagAI's `batch_size`). */
  microBatchSize: number;
  gradientAccumulationSteps: number;
  /** micro × data-parallel × accumulation; derived when absent, checked when given. */
  globalBatchSize: number;
}

interface ParallelismConfig {
  tensor: number;
  pipeline: number;
  nodes: number;
  gpusPerNode: number;
  /** A hostfile of `host slots=N` lines (FlagScale's runner.hostfile). */
  hostfile?: string;
}

interface CheckpointConfig {
  saveInterval: number;
  saveOptimizer: boolean;
  saveRng: boolean;
}

interface FlagScaleConfig {
  /** A FlagScale checkout (where `run.py` is). */
  root: string;
  /** The Python that runs `run.py`. */
  python: string;
  /** The training script; default by task: `train_gpt.py` or `train_aquila_sft.py`. */
  entrypoint: string;
  /** Extra environment for every rank. */
  environment: Record<string, string>;
}

/** A validated run: everything an engine needs, with defaults filled in. */
export interface RunConfig {
  name: string;
  task: 'pretrain' | 'sft';
  engine: 'flagscale' | 'local';
  /** The run directory: generated configs, logs, events, checkpoints. */
  output: string;
  /** Training seed. */
  seed: number;
  model: ModelConfig;
  tokenizer: TokenizerFiles;
  data: DataConfig;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  batch: BatchConfig;
  parallelism: ParallelismConfig;
  precision: 'fp16' | 'bf16' | 'fp32';
  checkpoints: CheckpointConfig;
  logInterval: number;
  flagscale: FlagScaleConfig;
  /** Keys accepted for compatibility that change nothing here (FlagAI's BMTrain switches), with why. */
  notes: string[];
}
