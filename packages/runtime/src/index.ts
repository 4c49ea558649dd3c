// Checkpoints: reading tensor by tensor, names, configs, random test checkpoints

export type { Checkpoint, CheckpointTensorInfo, ReadTensorOptions } from './checkpoint/checkpoint.js';
export type { ModelConfig, ModelShape, ReadModelConfigOptions } from './checkpoint/model-config.js';
export { parseModelConfig, readModelConfig } from './checkpoint/model-config.js';
export type { OpenCheckpointOptions } from './checkpoint/open-checkpoint.js';
export { openCheckpoint } from './checkpoint/open-checkpoint.js';
export type { OpenSafetensorsOptions } from './checkpoint/safetensors-reader.js';
export { openSafetensors } from './checkpoint/safetensors-reader.js';
export type { TensorToWrite, WriteSafetensorsOptions } from './checkpoint/safetensors-writer.js';
export { writeSafetensors } from './checkpoint/safetensors-writer.js';
export type { WeightDtype } from './checkpoint/tensor-dtype.js';
export type { OpenTorchCheckpointOptions } from './checkpoint/torch-checkpoint-reader.js';
export { openTorchCheckpoint } from './checkpoint/torch-checkpoint-reader.js';
export type { WriteTorchCheckpointOptions } from './checkpoint/torch-checkpoint-writer.js';
export { writeTorchCheckpoint } from './checkpoint/torch-checkpoint-writer.js';
export type { LayerWeight, ModelWeight, WeightNaming } from './checkpoint/weight-names.js';
export { interleavedToHalfRotation, layerWeightName, modelWeightName } from './checkpoint/weight-names.js';
export type { WriteRandomCheckpointOptions } from './checkpoint/write-random-checkpoint.js';
export { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
export type { ConvertCheckpointOptions, ConvertProgress } from './convert-checkpoint.js';
// Conversion to ONNX
export { convertCheckpoint } from './convert-checkpoint.js';
export type { ConvertedModelConfig, GenerationDefaults, WeightPrecision } from './converted-model-config.js';
// Errors
export {
  CheckpointFormatError,
  CheckpointTensorError,
  DownloadError,
  GenerationOptionsError,
  ModelConfigError,
  ModelRunError,
  UnsafePickleError,
} from './errors.js';
export type { FlagaiChatPromptOptions, FlagaiHistoryItem, FlagaiPromptOptions } from './flagai-presets.js';
// FlagAI compatibility
export {
  flagaiChatPromptIds,
  flagaiPromptIds,
  flagaiSampling,
  flagaiStopRules,
  flagaiSystemPrompt,
} from './flagai-presets.js';
export type {
  FinishReason,
  GenerationEndEvent,
  GenerationEvent,
  GenerationOptions,
  GenerationRequest,
  GenerationResult,
  GenerationTokenizer,
  TokenDeltaEvent,
} from './generation/generation-types.js';
export type { LogitsProcessor, LogitsProcessorContext, SamplingOptions } from './generation/sample-token.js';
export type { LoadLanguageModelOptions } from './language-model.js';
// Generation
export { LanguageModel, readConvertedModelConfig } from './language-model.js';
export type { HubFile, PullModelOptions, PullProgress } from './pull-model.js';
// Hub downloads
export { listHubFiles, pullModel } from './pull-model.js';
