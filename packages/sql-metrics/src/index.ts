// Evaluating a prediction file: a verdict per question, then the summary

export { type EvaluateOptions, evaluate, evaluateAll } from './evaluate.js';
export {
  type EvaluationSummary,
  type EvaluationType,
  type ItemVerdict,
  type Level,
  levels,
} from './evaluation-summary.js';

// Reports: the official table and per-item lines, and an HTML page

export {
  type FormatReportOptions,
  formatReport,
  formatReportExtras,
  officialItemLine,
  officialSummaryLine,
} from './format-report.js';
export { type HtmlReportOptions, htmlReport } from './html-report.js';

// Parsing in the Spider grammar, and the schemas it reads names from

export { type ParseSqlOptions, parseSql } from './parse-sql.js';
export {
  type CreateSchemaOptions,
  createSchema,
  foreignKeyMap,
  type SpiderSchema,
  schemaFromTablesJson,
  type TablesJsonEntry,
} from './schema.js';
export { type SchemaFromSqliteOptions, schemaFromSqlite } from './schema-from-sqlite.js';
export { emptySql, type SpiderSql } from './spider-sql.js';

// Exact set match and hardness

export {
  type ExactMatchOptions,
  type ExactMatchResult,
  exactMatch,
  type PartialComponent,
  type PartialScore,
} from './exact-match.js';
export { type Hardness, type HardnessOptions, hardness } from './hardness.js';

// Execution and test-suite accuracy

export { databaseFiles, type ExecutionMatchOptions, executionMatch } from './execution-match.js';
export { ExecutionPool, type ExecutionPoolOptions } from './execution-pool.js';
export type { ExecutionTask, ExecutionVerdict, QueryRows } from './execution-task.js';

// Model output to SQL, and SQLite's double-quoted strings for engines built without them

export { type ExtractedSql, type ExtractSqlOptions, extractSql } from './extract-sql.js';
export { type UnquotedSql, type UnquoteStringsOptions, unquoteStrings } from './unquote-strings.js';

// Errors

export { EvaluationInputError, ExecutionEngineError, GoldQueryError, SchemaError, SqlParseError } from './errors.js';
