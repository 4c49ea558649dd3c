// Megatron index maps (pretraining samples from .bin/.idx)
export { type BuildIndexMapsOptions, buildIndexMaps, type IndexMaps } from './build-index-maps.js';
// The end-to-end demo (data → train → convert → generate → evaluate → report)
export { type DemoAnswer, type DemoResult, type RunDemoOptions, runDemo } from './demo/run-demo.js';
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
// FlagScale engine
export {
  createFlagScaleConfigs,
  type FlagScaleConfigs,
  flagScaleExperimentDirectory,
  type TrainLength,
} from './flagscale-configs.js';
export { type FollowRunOptions, followRun } from './follow-run.js';
export { launchFlagScaleRun } from './launch-flagscale-run.js';
export {
  type IndexMapFiles,
  indexMapFiles,
  type LoadedIndexMaps,
  type LoadIndexMapsOptions,
  loadIndexMaps,
} from './load-index-maps.js';
export { decodeNpy, encodeNpy, type NpyArray, type NpyDtype } from './npy.js';
export {
  type OpenPretrainingDatasetOptions,
  openPretrainingDataset,
  type PretrainingDataset,
} from './open-pretraining-dataset.js';
export { type ParseMegatronLogLineOptions, parseMegatronLogLine } from './parse-megatron-log-line.js';
export { loadRunConfig, type ParseRunConfigOptions, parseRunConfig } from './parse-run-config.js';
export { type CommandLine, type FlagScaleRunPlan, formatCommandLine, planFlagScaleRun } from './plan-flagscale-run.js';
export { type PlotRunResult, plotRun } from './plot-run.js';
export { RandomState, type ShuffleableArray } from './random-state.js';
export { readRunEvents } from './read-run-events.js';
export { type RunState, type RunStatus, readRunStatus } from './read-run-status.js';
export { type ReadSftExamplesOptions, readSftExamples } from './read-sft-examples.js';
// Loss charts
export { type RenderLossChartOptions, renderLossChart } from './render-loss-chart.js';
export { type RenderRunReportOptions, renderRunReport } from './render-run-report.js';
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
export { packSftExamples, padSftExample, type SftRow } from './sft-batches.js';
// SFT examples (FlagAI ConversationDatasetV2)
export {
  type CreateSftExampleOptions,
  createSftExample,
  ignoreIndex,
  type SftExample,
  type SftRecord,
} from './sft-example.js';
export { splitDocuments } from './split-documents.js';
export { type StopRunResult, stopRun } from './stop-run.js';
export { AdamW, type AdamWOptions, clipGradientNorm } from './trainer/adamw.js';
export { type LearningRateOptions, learningRateAt } from './trainer/learning-rate.js';
// In-process trainer (small LLaMA-shaped models, CPU)
export { LlamaModel, type LlamaShape, type Parameter } from './trainer/llama-model.js';
export { saveLlamaCheckpoint } from './trainer/save-llama-checkpoint.js';
export { type TrainingSequence, type TrainLlamaOptions, trainLlama } from './trainer/train-llama.js';
export { type TrainLocallyOptions, type TrainLocallyResult, trainLocally } from './trainer/train-locally.js';
// Training events
export type { CheckpointEvent, IterationEvent, TrainingEvent, ValidationEvent } from './training-event.js';
