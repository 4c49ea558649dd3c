// Megatron index maps (pretraining samples from .bin/.idx)
export { buildIndexMaps, type BuildIndexMapsOptions, type IndexMaps } from './build-index-maps.js';
export { indexMapFiles, loadIndexMaps, type IndexMapFiles, type LoadedIndexMaps, type LoadIndexMapsOptions } from './load-index-maps.js';
export { openPretrainingDataset, type OpenPretrainingDatasetOptions, type PretrainingDataset } from './open-pretraining-dataset.js';
export { splitDocuments } from './split-documents.js';
export { RandomState, type ShuffleableArray } from './random-state.js';
export { decodeNpy, encodeNpy, type NpyArray, type NpyDtype } from './npy.js';

// SFT examples (FlagAI ConversationDatasetV2)
export { createSftExample, ignoreIndex, type CreateSftExampleOptions, type SftExample, type SftRecord } from './sft-example.js';
export { packSftExamples, padSftExample, type SftRow } from './sft-batches.js';
export { readSftExamples, type ReadSftExamplesOptions } from './read-sft-examples.js';

// Run configs
export type {
  BatchConfig,
  CheckpointConfig,
  DataBlendEntry,
  DataConfig,
  FlagScaleConfig,
  ModelConfig,
  OptimizerConfig,
  ParallelismConfig,
  RunConfig,
  ScheduleConfig,
  TokenizerFiles,
} from './run-config.js';
export { loadRunConfig, parseRunConfig, type ParseRunConfigOptions } from './parse-run-config.js';

// FlagScale engine
export { createFlagScaleConfigs, flagScaleExperimentDirectory, type FlagScaleConfigs, type TrainLength } from './flagscale-configs.js';
export { formatCommandLine, planFlagScaleRun, type CommandLine, type FlagScaleRunPlan } from './plan-flagscale-run.js';
export { launchFlagScaleRun } from './launch-flagscale-run.js';
export { followRun, type FollowRunOptions } from './follow-run.js';
export { stopRun, type StopRunResult } from './stop-run.js';
export { readRunStatus, type RunState, type RunStatus } from './read-run-status.js';

// Training events
export type { CheckpointEvent, IterationEvent, TrainingEvent, ValidationEvent } from './training-event.js';
export { parseMegatronLogLine, type ParseMegatronLogLineOptions } from './parse-megatron-log-line.js';

// Loss charts
export { renderLossChart, type RenderLossChartOptions } from './render-loss-chart.js';
export { renderRunReport, type RenderRunReportOptions } from './render-run-report.js';
export { plotRun, type PlotRunResult } from './plot-run.js';
export { readRunEvents } from './read-run-events.js';

// In-process trainer (small LLaMA-shaped models, CPU)
export { LlamaModel, type LlamaShape, type Parameter } from './trainer/llama-model.js';
export { AdamW, clipGradientNorm, type AdamWOptions } from './trainer/adamw.js';
export { learningRateAt, type LearningRateOptions } from './trainer/learning-rate.js';
export { trainLlama, type TrainingSequence, type TrainLlamaOptions } from './trainer/train-llama.js';
export { saveLlamaCheckpoint } from './trainer/save-llama-checkpoint.js';
export { trainLocally, type TrainLocallyOptions, type TrainLocallyResult } from './trainer/train-locally.js';

// The end-to-end demo (data → train → convert → generate → evaluate → report)
export { runDemo, type DemoAnswer, type DemoResult, type RunDemoOptions } from './demo/run-demo.js';

// Errors
export {
  DataPrefixError,
  IndexMapCacheError,
  IndexMapError,
  LaunchError,
  NpyFormatError,
  RunConfigError,
  RunDirectoryError,
  SftRecordError,
} from './errors.js';
