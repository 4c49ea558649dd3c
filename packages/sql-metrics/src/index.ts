// Parsing in the Spider grammar
export { tokenizeSql } from './tokenize-sql.js';
export { parseSql, type ParseSqlOptions } from './parse-sql.js';
export { emptySql, type ColumnUnit, type Condition, type ConditionUnit, type SpiderSql, type SqlValue, type TableUnit, type ValueUnit } from './spider-sql.js';

// Schemas
export { createSchema, foreignKeyMap, schemaFromTablesJson, type CreateSchemaOptions, type SpiderSchema, type TablesJsonEntry } from './schema.js';
export { schemaFromSqlite, type SchemaFromSqliteOptions } from './schema-from-sqlite.js';

// Exact set match and hardness
export { exactMatch, partialComponents, type ExactMatchOptions, type ExactMatchResult, type PartialComponent, type PartialScore } from './exact-match.js';
export { hardness, type Hardness, type HardnessOptions } from './hardness.js';

// Execution and test-suite accuracy
export { ExecutionPool, type ExecutionPoolOptions } from './execution-pool.js';
export { databaseFiles, executionMatch, officialPrediction, type ExecutionMatchOptions } from './execution-match.js';
export type { ExecutionTask, ExecutionVerdict, QueryRows } from './execution-task.js';

// Whole runs and reports
export { evaluate, evaluateAll, type EvaluateOptions } from './evaluate.js';
export { levels, type EvaluationSummary, type EvaluationType, type ItemVerdict, type Level } from './evaluation-summary.js';
export { formatReport, formatReportExtras, officialItemLine, officialSummaryLine, type FormatReportOptions } from './format-report.js';
export { htmlReport, type HtmlReportOptions } from './html-report.js';

// Model output to SQL
export { extractSql, type ExtractSqlOptions, type ExtractedSql } from './extract-sql.js';

// Errors
export { EvaluationInputError, ExecutionEngineError, GoldQueryError, SchemaError, SqlParseError } from './errors.js';
