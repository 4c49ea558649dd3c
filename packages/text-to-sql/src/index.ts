// Databases: schema and read-only execution

// Asking a database
export {
  type AskDatabaseError,
  type AskDatabaseEvent,
  type AskDatabaseOptions,
  type AskDatabaseResult,
  askDatabase,
  checkSql,
  type SqlCheck,
  streamAskDatabase,
  type TokenUsage,
} from './ask-database.js';

// Prompts and generation settings
export {
  type BuildSqlPromptOptions,
  buildSqlPrompt,
  customTemplate,
  type PromptSchema,
  type SqlPromptTemplate,
} from './build-sql-prompt.js';
// Errors
export {
  BenchmarkInputError,
  DatabaseOpenError,
  EndpointError,
  QueryExecutionError,
  RunSettingsChangedError,
  type RunSettingsChangedErrorOptions,
  TextToSqlOptionsError,
  WriteRefusedError,
} from './errors.js';
export { type EvaluatePredictionsOptions, evaluatePredictions } from './evaluate-predictions.js';
// Terminal output
export { type FormatResultTableOptions, formatResultTable } from './format-result-table.js';
export {
  type SqlGenerationPreset,
  type SqlGenerationRequest,
  type SqlGenerationRequestOptions,
  type SqlGenerationSettings,
  sqlGenerationPreset,
  sqlGenerationPresets,
  sqlGenerationRequest,
} from './generation-settings.js';

export { type OpenedModel, type OpenModelOptions, openModel } from './open-model.js';
// OpenAI-compatible endpoints
export { createOpenAiModel, type OpenAiModel, type OpenAiModelOptions } from './openai-model.js';

// Benchmark runs
export {
  type PredictBenchmarkOptions,
  type PredictBenchmarkSummary,
  type PredictProgress,
  predictBenchmark,
  type RawPrediction,
} from './predict-benchmark.js';
export {
  type BenchmarkQuestion,
  promptSchemaFromTablesJson,
  type ReadBenchmarkOptions,
  readBenchmark,
} from './read-benchmark.js';
export { predictionFiles, reportFiles } from './run-files.js';
export {
  type ExecuteOptions,
  type OpenSqlDatabaseOptions,
  type QueryResult,
  type SqlCell,
  type SqlColumn,
  SqlDatabase,
  type SqlDatabaseFromDdlOptions,
  type SqlForeignKey,
  type SqlTable,
} from './sql-database.js';
export type { TextToSqlModel } from './text-to-sql-model.js';
