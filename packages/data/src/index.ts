// Errors

export type { BuildConfig, BuildSourceConfig } from './build/build-config.js';
export { loadBuildConfig, validateBuildConfig } from './build/build-config.js';
export type { BuildDatasetOptions, BuildProgress } from './build/build-dataset.js';
// The build pipeline and its report
export { buildDataset } from './build/build-dataset.js';
export type { BuildReport, SourceReport } from './build/build-report.js';
export { formatBuildReportTable, renderBuildReportHtml } from './build/build-report.js';
// Cleaning, deduplication, validation
export { cleanQuestion, cleanRecord, cleanSql, isNonCommercialLicence } from './clean/clean-record.js';
export type { Deduplicator } from './clean/create-deduplicator.js';
export { createDeduplicator } from './clean/create-deduplicator.js';
export type { CreateSqlValidatorOptions, SqlValidation, SqlValidator } from './clean/create-sql-validator.js';
export { createSqlValidator } from './clean/create-sql-validator.js';
export {
  BuildConfigError,
  ChecksumMismatchError,
  DownloadError,
  IndexedDatasetFormatError,
  InputFileError,
  LossMaskLengthError,
  NoDocumentsError,
  SourceColumnsError,
  SourceEncodingError,
  SourceFormatError,
  TokenRangeError,
} from './errors.js';
export type { FetchedFile, FetchSourceFilesOptions, SourceFile } from './fetch/fetch-source-files.js';
// Downloads from the dataset hub
export { fetchSourceFiles, hubFileUrl, sourceFiles } from './fetch/fetch-source-files.js';
export type { IndexedDatasetDtype, IndexedDatasetIndex } from './indexed/indexed-dataset-index.js';
// Megatron MMIDIDX indexed datasets
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
export { samplesDirectory } from './internal/samples-directory.js';
export type { PackJsonlOptions, PackJsonlSummary } from './pack/pack-jsonl.js';
// Packing JSONL into Megatron files
export { packJsonl } from './pack/pack-jsonl.js';
export type { DocumentFraming, PackConvention, PackTokenizer } from './pack/pack-tokenizer.js';
export { documentFramingIds } from './pack/pack-tokenizer.js';
export type {
  AquilaSqlPromptColumn,
  AquilaSqlPromptOptions,
  AquilaSqlPromptTable,
} from './render/build-aquila-sql-prompt.js';
// Renderers: pretraining text, FlagAI SFT, TRL, SFT tokenisation
export { buildAquilaSqlAnswer, buildAquilaSqlPrompt } from './render/build-aquila-sql-prompt.js';
export type { FlagAiSftRecord, RenderSftOptions } from './render/render-record.js';
export {
  renderFlagAiSftRecord,
  renderPretrainingText,
  renderPromptAndAnswer,
  renderTrlRecord,
} from './render/render-record.js';
export type {
  ConversationTokenizer,
  TokenizeAquilaConversationOptions,
} from './render/tokenize-aquila-conversation.js';
export { aquilaChatSystem, tokenizeAquilaConversation } from './render/tokenize-aquila-conversation.js';
export type { SchemaTable } from './schema/parse-create-tables.js';
export { parseCreateTables } from './schema/parse-create-tables.js';
export { autotrainNlToSqlSource } from './sources/adapters/autotrain-nl-to-sql.js';
export { llama2SqlDatasetSource } from './sources/adapters/llama-2-sql-dataset.js';
export { pgGpt4SqlSource, pgWikiSqlSource } from './sources/adapters/pg-sql-instructions.js';
export type { WikiSqlQuery, WikiSqlTable } from './sources/adapters/sql-context-instructions.js';
export {
  sqlContextInstructionsSource,
  wikiSqlSchema,
  wikiSqlToSql,
} from './sources/adapters/sql-context-instructions.js';
export { sqlCreateContextSource } from './sources/adapters/sql-create-context.js';
export { symbolicInstructionTuningSqlSource } from './sources/adapters/symbolic-instruction-tuning-sql.js';
export { textToSqlV1Source } from './sources/adapters/text-to-sql-v1.js';
// Sources: one adapter per dataset, and the readers under them
export type { DatasetRecord, DroppedRecord, DropReason, SourceEvent, SqlDialect } from './sources/dataset-record.js';
export type { CsvRow, ParseCsvOptions } from './sources/parse-csv.js';
export { parseCsv } from './sources/parse-csv.js';
export type { ReadTextChunksOptions } from './sources/read-text-chunks.js';
export { readTextChunks } from './sources/read-text-chunks.js';
export type { ReadSourceOptions, SourceAdapter } from './sources/source-adapter.js';
export { sourceAdapters } from './sources/source-adapters.js';
