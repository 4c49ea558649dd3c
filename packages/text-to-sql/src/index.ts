// Models: a local converted model or an OpenAI-compatible endpoint

export { type OpenedModel, type OpenModelOptions, openModel } from './open-model.js';
export { createOpenAiModel, type OpenAiModel, type OpenAiModelOptions } from './openai-model.js';
export type { SqlChoiceEvent, SqlChoicesRequest, TextToSqlModel } from './text-to-sql-model.js';

// Databases: schema and read-only execution

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

// Asking a database, and showing the rows in a terminal

export {
  type AskDatabaseError,
  type AskDatabaseEvent,
  type AskDatabaseOptions,
  type AskDatabaseResult,
  askDatabase,
  type SqlCheck,
  streamAskDatabase,
  type TokenUsage,
} from './ask-database.js';
export { type FormatResultTableOptions, formatResultTable } from './format-result-table.js';

// Several candidates: sampled together, voted by execution, repaired when they fail

export {
  type GenerateSqlCandidatesOptions,
  generateSqlCandidates,
  type SqlCandidate,
  type SqlCandidateEvent,
  streamSqlCandidates,
} from './generate-sql-candidates.js';
export {
  type BuildSqlRepairPromptOptions,
  buildSqlRepairPrompt,
  type SqlRepairEvent,
  type SqlRepairOptions,
  type SqlRepairRound,
  sqlRepairTemplate,
} from './repair-sql.js';
export {
  type SqlVote,
  type SqlVoteCandidate,
  type VoteSqlCandidatesOptions,
  voteSqlCandidates,
} from './vote-sql-candidates.js';

// Prompts and generation settings

export {
  type BuildSqlPromptOptions,
  buildSqlPrompt,
  customTemplate,
  type PromptSchema,
  type SqlPromptTemplate,
} from './build-sql-prompt.js';
export {
  type SqlGenerationPreset,
  type SqlGenerationRequest,
  type SqlGenerationRequestOptions,
  type SqlGenerationSettings,
  sqlGenerationPreset,
  sqlGenerationPresets,
  sqlGenerationRequest,
} from './generation-settings.js';
export { type ResolvePromptFormatOptions, resolvePromptFormat } from './resolve-prompt-format.js';

// Benchmark runs: predictions for a Spider-style or BIRD set, resumable, then their scores

export { type ReadBirdSchemasOptions, readBirdSchemas } from './bird-prompt.js';
export { type EvaluateBirdRunOptions, evaluateBirdRun } from './evaluate-bird-run.js';
export { type EvaluatePredictionsOptions, evaluatePredictions } from './evaluate-predictions.js';
export {
  type PredictBenchmarkOptions,
  type PredictBenchmarkSummary,
  type PredictProgress,
  predictBenchmark,
  type RawPrediction,
} from './predict-benchmark.js';
export { type BenchmarkQuestion, type ReadBenchmarkOptions, readBenchmark } from './read-benchmark.js';
export { predictionFiles, reportFiles } from './run-files.js';

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
