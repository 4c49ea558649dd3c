// Building a dataset: the config, the pipeline and its report

export type { BuildConfig, BuildSourceConfig } from './build/build-config.js';
export type { BuildDatasetOptions, BuildProgress } from './build/build-dataset.js';
export { buildDataset } from './build/build-dataset.js';
export type { BuildReport, SourceFailure, SourceReport } from './build/build-report.js';
export { formatBuildReportTable } from './build/build-report.js';

// Sources: one adapter per dataset, and the records they read

export type { DatasetRecord, DroppedRecord, DropReason, SourceEvent, SqlDialect } from './sources/dataset-record.js';
export type {
  ProbeSourceOptions,
  ReadSourceOptions,
  SourceAdapter,
  SourceFilePattern,
  SourceLayout,
} from './sources/source-adapter.js';
export { sourceAdapters } from './sources/source-adapters.js';

// Fetching the sources' files from the dataset hub, with a manifest of what was fetched

export type {
  FetchedFile,
  FetchedSource,
  FetchManifest,
  FetchSourcesOptions,
  FetchSourcesProgress,
  FetchSourcesResult,
} from './fetch/fetch-sources.js';
export { fetchSources } from './fetch/fetch-sources.js';

// Streaming readers of large text and CSV files

export type { CsvRow, ParseCsvOptions } from './sources/parse-csv.js';
export { parseCsv } from './sources/parse-csv.js';
export type { ReadTextChunksOptions } from './sources/read-text-chunks.js';
export { readTextChunks } from './sources/read-text-chunks.js';

// Renderers of records: pretraining text, FlagAI SFT, TRL (the templates are @aquila/prompts')

export type { RenderSftOptions } from './render/render-record.js';
export {
  renderFlagAiSftRecord,
  renderPretrainingText,
  renderPromptAndAnswer,
  renderTrlRecord,
} from './render/render-record.js';

// Packing JSONL into Megatron files

export type { PackJsonlOptions, PackJsonlSummary } from './pack/pack-jsonl.js';
export { packJsonl } from './pack/pack-jsonl.js';
export type { PackConvention, PackTokenizer } from './pack/pack-tokenizer.js';

// Errors

export type { SourceLayoutProblem } from './errors.js';
export {
  BuildConfigError,
  InputFileError,
  NoDocumentsError,
  SourceColumnsError,
  SourceEncodingError,
  SourceFetchError,
  SourceFormatError,
} from './errors.js';
