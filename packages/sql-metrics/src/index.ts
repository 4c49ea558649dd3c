// Parsing in the Spider grammar

// Errors
export { EvaluationInputError, ExecutionEngineError, GoldQueryError, SchemaError, SqlParseError } from './errors.js';
// Whole runs and reports
export { type EvaluateOptions, evaluate, evaluateAll } from './evaluate.js';
export {
  type EvaluationSummary,
  type EvaluationType,
  type ItemVerdict,
  type Level,
  levels,
} from './evaluation-summary.js';
// Exact set match and hardness
export {
  type ExactMatchOptions,
  type ExactMatchResult,
  exactMatch,
  type PartialComponent,
  type PartialScore,
  partialComponents,
} from './exact-match.js';
export { databaseFiles, type ExecutionMatchOptions, executionMatch, officialPrediction } from './execution-match.js';
// Execution and test-suite accuracy
export { ExecutionPool, type ExecutionPoolOptions } from './execution-pool.js';
export type { ExecutionTask, ExecutionVerdict, QueryRows } from './execution-task.js';
// Model output to SQL
export { type ExtractedSql, type ExtractSqlOptions, extractSql } from './extract-sql.js';
export {
  type FormatReportOptions,
  formatReport,
  formatReportExtras,
  officialItemLine,
  officialSummaryLine,
} from './format-report.js';
export { type Hardness, type HardnessOptions, hardness } from './hardness.js';
export { type HtmlReportOptions, htmlReport } from './html-report.js';
export { type ParseSqlOptions, parseSql } from './parse-sql.js';
// Schemas
export {
  type CreateSchemaOptions,
  createSchema,
  foreignKeyMap,
  type SpiderSchema,
  schemaFromTablesJson,
  type TablesJsonEntry,
} from './schema.js';
export { type SchemaFromSqliteOptions, schemaFromSqlite } from './schema-from-sqlite.js';
export {
  type ColumnUnit,
  type Condition,
  type ConditionUnit,
  emptySql,
  type SpiderSql,
  type SqlValue,
  type TableUnit,
  type ValueUnit,
} from './spider-sql.js';
export { tokenizeSql } from './tokenize-sql.js';
