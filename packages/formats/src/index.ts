// Checkpoints: one interface over safetensors files, PyTorch zips and folders of shards
export type { Checkpoint, CheckpointTensorInfo, ReadTensorOptions } from './checkpoint/checkpoint.js';
export type { FindWeightFilesOptions, WeightFiles } from './checkpoint/find-weight-files.js';
export { findWeightFiles } from './checkpoint/find-weight-files.js';
export type { OpenCheckpointOptions } from './checkpoint/open-checkpoint.js';
export { openCheckpoint } from './checkpoint/open-checkpoint.js';
// safetensors
export type { OpenSafetensorsOptions } from './checkpoint/safetensors-reader.js';
export { openSafetensors } from './checkpoint/safetensors-reader.js';
export type { TensorToWrite, WriteSafetensorsOptions } from './checkpoint/safetensors-writer.js';
export { writeSafetensors } from './checkpoint/safetensors-writer.js';
// Tensor element types
export type { TensorDtype, WeightDtype } from './checkpoint/tensor-dtype.js';
export { decodeWeights, encodeWeights } from './checkpoint/tensor-dtype.js';
// PyTorch .bin / .pt (torch.save zips, read through a restricted pickle reader)
export type { OpenTorchCheckpointOptions } from './checkpoint/torch-checkpoint-reader.js';
export { openTorchCheckpoint } from './checkpoint/torch-checkpoint-reader.js';
export type { WriteTorchCheckpointOptions } from './checkpoint/torch-checkpoint-writer.js';
export { writeTorchCheckpoint } from './checkpoint/torch-checkpoint-writer.js';
// Errors
export {
  CheckpointFormatError,
  CheckpointTensorError,
  IndexedDatasetFormatError,
  IndexedDatasetNotFoundError,
  LossMaskLengthError,
  NpyFormatError,
  TokenRangeError,
  UnsafePickleError,
} from './errors.js';
// Megatron MMIDIDX indexed datasets (.bin/.idx), and FlagScale's SFT pair with its loss mask
export type { IndexedDatasetDtype, IndexedDatasetIndex } from './indexed/indexed-dataset-index.js';
export { decodeIndexedDatasetIndex, encodeIndexedDatasetIndex, optimalDtype } from './indexed/indexed-dataset-index.js';
export type {
  IndexedDatasetSummary,
  IndexedDatasetWriter,
  IndexedDatasetWriterOptions,
} from './indexed/indexed-dataset-writer.js';
export { createIndexedDatasetWriter } from './indexed/indexed-dataset-writer.js';
export type { IndexedDataset, OpenIndexedDatasetOptions } from './indexed/open-indexed-dataset.js';
export { openIndexedDataset } from './indexed/open-indexed-dataset.js';
export type {
  SftDocument,
  SftIndexedDatasetWriter,
  SftIndexedDatasetWriterOptions,
} from './indexed/sft-indexed-dataset-writer.js';
export { createSftIndexedDatasetWriter } from './indexed/sft-indexed-dataset-writer.js';
export type { TokenArray } from './indexed/token-array.js';
export type { WriteIndexedDatasetOptions } from './indexed/write-indexed-dataset.js';
export { writeIndexedDataset } from './indexed/write-indexed-dataset.js';
// numpy .npy arrays
export { decodeNpy, encodeNpy, type NpyArray, type NpyDtype } from './npy.js';
