// Checkpoints: model configs and weight names (the files themselves are @aquila/formats')

export type { RopeScaling } from './checkpoint/config-support.js';
export type { ModelConfig, ModelShape, ReadModelConfigOptions } from './checkpoint/model-config.js';
export { readModelConfig } from './checkpoint/model-config.js';
export type { LayerWeight, ModelWeight, WeightNaming } from './checkpoint/weight-names.js';
export { interleavedToHalfRotation, layerWeightName, modelWeightName } from './checkpoint/weight-names.js';

// Conversion to ONNX

export type { ConvertCheckpointOptions, ConvertProgress } from './convert-checkpoint.js';
export { convertCheckpoint } from './convert-checkpoint.js';
export type {
  ConvertedModelConfig,
  ConvertedModelVersion,
  GenerationDefaults,
  WeightPrecision,
} from './converted-model-config.js';
export type { CachePrecision } from './generation/key-value-cache.js';

// Memory and size, estimated before a conversion or a generation starts

export type {
  CheckpointConversionEstimate,
  ConversionEstimate,
  ConversionEstimateOptions,
  EstimateCheckpointConversionOptions,
  EstimateModelMemoryOptions,
  GenerationEstimate,
  GenerationEstimateOptions,
  ModelSizeOptions,
} from './memory-estimate.js';
export {
  estimateCheckpointConversion,
  estimateConversion,
  estimateGeneration,
  estimateModelMemory,
  estimateWeightsFileBytes,
} from './memory-estimate.js';

// Generation

export type {
  ChoiceEvent,
  ChoicesRequest,
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
export { LanguageModel } from './language-model.js';

// Errors

export {
  GenerationOptionsError,
  ModelConfigError,
  ModelRunError,
  TokenizerVocabularyError,
  UnsupportedModelError,
} from './errors.js';
