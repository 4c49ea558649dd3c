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
export type { BirdPairScores, ExecutionTask, ExecutionVerdict, QueryRows } from './execution-task.js';
export { pythonValueText } from './internal/result-equal.js';

// Model output to SQL, and SQLite's double-quoted strings for engines built without them

export { type ExtractedSql, type ExtractSqlOptions, extractSql } from './extract-sql.js';
export { type UnquotedSql, type UnquoteStringsOptions, unquoteStrings } from './unquote-strings.js';

// BIRD: the official files, EX (mini_dev's and DAMO-ConvAI's), Soft-F1 and R-VES, a strict mode, reports

export { type BirdHtmlReportOptions, birdHtmlReport } from './bird/bird-html-report.js';
export {
  type BirdReportScript,
  birdItemLine,
  formatBirdReport,
  formatBirdReportExtras,
  formatBirdReports,
} from './bird/bird-report.js';
export {
  type BirdLevel,
  type BirdLevelScores,
  type BirdMetric,
  type BirdSummary,
  birdLevels,
  birdMetrics,
  type SummarizeBirdOptions,
  summarizeBird,
} from './bird/bird-summary.js';
export { type BirdItemVerdict, type EvaluateBirdOptions, evaluateBird } from './bird/evaluate-bird.js';
export { type BirdGold, parseBirdGold } from './bird/gold-file.js';
export { type BirdPrediction, formatBirdPredictions, parseBirdPredictions } from './bird/prediction-file.js';
export { type BirdQuestion, parseBirdQuestions } from './bird/questions-file.js';
export { type RVesTimings, rVesReward, rVesScore } from './bird/r-ves-reward.js';
export { type SoftF1Options, softF1 } from './bird/soft-f1.js';

// Voting by execution: candidates grouped by result, the largest group's first member chosen

export {
  type ExecutionVote,
  ExecutionVoter,
  type ExecutionVoterOptions,
  type VoteCandidate,
} from './vote/execution-voter.js';
export { type CandidateGroups, type CandidateResult, groupCandidates } from './vote/group-candidates.js';
export { resultDigest } from './vote/result-digest.js';
export {
  type VoteAcrossFilesOptions,
  type VoteItem,
  type VoteSummary,
  voteAcrossFiles,
} from './vote/vote-across-files.js';
export { type VoteEquality, voteEqualities } from './vote/vote-equality.js';

// Errors

export { EvaluationInputError, ExecutionEngineError, GoldQueryError, SchemaError, SqlParseError } from './errors.js';
