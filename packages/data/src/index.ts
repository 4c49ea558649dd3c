// Errors
export {
  BuildConfigError,
  ChecksumMismatchError,
  DownloadError,
  IndexedDatasetFormatError,
  LossMaskLengthError,
  SourceColumnsError,
  SourceEncodingError,
  SourceFormatError,
  TokenRangeError,
} from './errors.js';

// Megatron MMIDIDX indexed datasets
export { decodeIndexedDatasetIndex, encodeIndexedDatasetIndex, optimalDtype } from './indexed/indexed-dataset-index.js';
export type { IndexedDatasetDtype, IndexedDatasetIndex } from './indexed/indexed-dataset-index.js';
export type { TokenArray } from './indexed/token-array.js';
export { createIndexedDatasetWriter } from './indexed/indexed-dataset-writer.js';
export type { IndexedDatasetSummary, IndexedDatasetWriter, IndexedDatasetWriterOptions } from './indexed/indexed-dataset-writer.js';
export { writeIndexedDataset } from './indexed/write-indexed-dataset.js';
export type { WriteIndexedDatasetOptions } from './indexed/write-indexed-dataset.js';
export { openIndexedDataset } from './indexed/open-indexed-dataset.js';
export type { IndexedDataset, OpenIndexedDatasetOptions } from './indexed/open-indexed-dataset.js';
export { createSftIndexedDatasetWriter } from './indexed/sft-indexed-dataset-writer.js';
export type { SftDocument, SftIndexedDatasetWriter, SftIndexedDatasetWriterOptions } from './indexed/sft-indexed-dataset-writer.js';
