// Run configs (YAML, FlagAI's keys too)

export { loadRunConfig, type ParseRunConfigOptions, parseRunConfig } from './parse-run-config.js';
export type { RunConfig } from './run-config.js';

// FlagScale runs: plan, launch, follow, status, stop

export type { TrainLength } from './flagscale-configs.js';
export { type FollowRunOptions, followRun } from './follow-run.js';
export { launchFlagScaleRun } from './launch-flagscale-run.js';
export { type ParseMegatronLogLineOptions, parseMegatronLogLine } from './parse-megatron-log-line.js';
export { type CommandLine, type FlagScaleRunPlan, formatCommandLine, planFlagScaleRun } from './plan-flagscale-run.js';
export { readRunEvents } from './read-run-events.js';
export { type RunState, type RunStatus, readRunStatus } from './read-run-status.js';
export { type StopRunResult, stopRun } from './stop-run.js';
export type { CheckpointEvent, IterationEvent, TrainingEvent, ValidationEvent } from './training-event.js';

// Loss charts and run reports

export { type PlotRunResult, plotRun } from './plot-run.js';
export { type RenderLossChartOptions, renderLossChart } from './render-loss-chart.js';
export { type RenderRunReportOptions, renderRunReport } from './render-run-report.js';

// Pretraining samples from Megatron .bin/.idx: Megatron's index maps, byte for byte

export { type BuildIndexMapsOptions, buildIndexMaps, type IndexMaps } from './build-index-maps.js';
export {
  type IndexMapFiles,
  type LoadedIndexMaps,
  type LoadIndexMapsOptions,
  loadIndexMaps,
} from './load-index-maps.js';
export {
  type OpenPretrainingDatasetOptions,
  openPretrainingDataset,
  type PretrainingDataset,
} from './open-pretraining-dataset.js';
export { RandomState, type ShuffleableArray } from './random-state.js';
export { splitDocuments } from './split-documents.js';

// SFT examples (FlagAI's ConversationDatasetV2) and their batches

export { type ReadSftExamplesOptions, readSftExamples } from './read-sft-examples.js';
export { packSftExamples, padSftExample, type SftRow } from './sft-batches.js';
export { type CreateSftExampleOptions, createSftExample, type SftExample, type SftRecord } from './sft-example.js';

// The in-process trainer (small LLaMA-shaped models, CPU)

export { AdamW, type AdamWOptions } from './trainer/adamw.js';
export { type LearningRateOptions, learningRateAt } from './trainer/learning-rate.js';
export { LlamaModel, type LlamaShape, type Parameter } from './trainer/llama-model.js';
export { type TrainingSequence, type TrainLlamaOptions, trainLlama } from './trainer/train-llama.js';
export { type TrainLocallyOptions, type TrainLocallyResult, trainLocally } from './trainer/train-locally.js';

// Errors

export {
  DataPrefixError,
  IndexMapCacheError,
  IndexMapError,
  LaunchError,
  RunConfigError,
  RunDirectoryError,
  SftRecordError,
} from './errors.js';
