// Megatron index maps (pretraining samples from .bin/.idx)
export { buildIndexMaps, type BuildIndexMapsOptions, type IndexMaps } from './build-index-maps.js';
export { indexMapFiles, loadIndexMaps, type IndexMapFiles, type LoadedIndexMaps, type LoadIndexMapsOptions } from './load-index-maps.js';
export { openPretrainingDataset, type OpenPretrainingDatasetOptions, type PretrainingDataset } from './open-pretraining-dataset.js';
export { splitDocuments } from './split-documents.js';
export { RandomState, type ShuffleableArray } from './random-state.js';
export { decodeNpy, encodeNpy, type NpyArray, type NpyDtype } from './npy.js';

// Errors
export {
  EngineUnavailableError,
  IndexMapCacheError,
  IndexMapError,
  LaunchError,
  NpyFormatError,
  RunConfigError,
  RunDirectoryError,
  SftRecordError,
} from './errors.js';
