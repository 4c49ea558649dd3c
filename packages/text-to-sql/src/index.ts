// Databases: schema and read-only execution
export { SqlDatabase, type ExecuteOptions, type OpenSqlDatabaseOptions, type QueryResult, type SqlCell, type SqlColumn, type SqlDatabaseFromDdlOptions, type SqlForeignKey, type SqlTable } from './sql-database.js';

// Prompts and generation settings
export { buildSqlPrompt, customTemplate, type BuildSqlPromptOptions, type PromptSchema, type SqlPromptTemplate } from './build-sql-prompt.js';
export { sqlGenerationPreset, sqlGenerationPresets, sqlGenerationRequest, type SqlGenerationPreset, type SqlGenerationRequest, type SqlGenerationRequestOptions, type SqlGenerationSettings } from './generation-settings.js';
export type { TextToSqlModel } from './text-to-sql-model.js';

// Asking a database
export { askDatabase, checkSql, streamAskDatabase, type AskDatabaseError, type AskDatabaseEvent, type AskDatabaseOptions, type AskDatabaseResult, type SqlCheck, type TokenUsage } from './ask-database.js';

// OpenAI-compatible endpoints
export { createOpenAiModel, type OpenAiModel, type OpenAiModelOptions } from './openai-model.js';

export { openModel, type OpenedModel, type OpenModelOptions } from './open-model.js';

// Terminal output
export { formatResultTable, type FormatResultTableOptions } from './format-result-table.js';

// Benchmark runs
export { predictBenchmark, type PredictBenchmarkOptions, type PredictBenchmarkSummary, type PredictProgress, type RawPrediction } from './predict-benchmark.js';
export { evaluatePredictions, type EvaluatePredictionsOptions } from './evaluate-predictions.js';
export { predictionFiles, reportFiles } from './run-files.js';
export { promptSchemaFromTablesJson, readBenchmark, type BenchmarkQuestion, type ReadBenchmarkOptions } from './read-benchmark.js';

// Errors
export { BenchmarkInputError, DatabaseOpenError, EndpointError, QueryExecutionError, RunSettingsChangedError, TextToSqlOptionsError, WriteRefusedError, type RunSettingsChangedErrorOptions } from './errors.js';
