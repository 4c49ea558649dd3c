import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EvaluationInputError } from '../errors.js';
import { ExecutionPool } from '../execution-pool.js';
import type { ExecutionTask, ExecutionVerdict } from '../execution-task.js';
import { isBlankSql } from '../internal/sql-lexer.js';
import { inputPathError, itemCount, parsePrediction, readUtf8 } from '../read-inputs.js';
import { type BirdMetric, type BirdSummary, summarizeBird } from './bird-summary.js';
import { type BirdGold, parseBirdGold } from './gold-file.js';
import { type BirdPrediction, parseBirdPredictions } from './prediction-file.js';
import { type BirdQuestion, parseBirdQuestions } from './questions-file.js';
import { rVesReward } from './r-ves-reward.js';

export interface EvaluateBirdOptions {
  /** Gold file: `SQL<TAB>db_id` a line (mini_dev_sqlite_gold.sql). */
  gold: string;
  /** Predictions: the official JSON (`{"0": "SQL\t----- bird -----\tdb_id", …}`) or one SQL a line. */
  pred: string;
  /** Database folder: `<db>/<db_id>/<db_id>.sqlite` (BIRD's dev_databases). */
  db: string;
  /** Questions with `difficulty` (JSON array or JSON Lines); without it only the total is reported. */
  questions?: string;
  /** Which metrics: 'ex' (with DAMO-ConvAI's variant, ex_damo), 'soft-f1', 'r-ves'. Default ex and soft-f1. */
  metrics?: readonly BirdMetric[];
  /** Also compute the strict verdicts (the official rules' known errors fixed), reported beside the official ones. */
  strict?: boolean;
  /** Per-question timeout in milliseconds, `meta_time_out` (default 30000); R-VES allows it once per iteration. */
  timeoutMs?: number;
  /** R-VES: timed iterations per correct question (default 100, as the official script). */
  vesIterations?: number;
  /** R-VES: whole runs, to report its spread (the clock makes each run differ). Default 1. */
  vesRuns?: number;
  /** Execution processes or threads. */
  workers?: number;
  /** 'auto' (default): native SQLite where its result is provably sql.js's; 'sql.js': sql.js only. */
  engine?: 'auto' | 'sql.js';
  /** A pool to run EX and Soft-F1 on (kept open), instead of one started and closed here. */
  pool?: ExecutionPool;
  /** Called as questions finish, with the count done and the total. */
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

/** One question's verdicts. The official per-item fields come first, in the fixture's names. */
export interface BirdItemVerdict {
  /** 0-based position in the gold, prediction and question files. */
  i: number;
  question_id: number | string | null;
  /** The gold line's database. */
  db_id: string;
  difficulty: string | null;
  /** mini_dev's EX (with metric ex). */
  ex?: 0 | 1;
  /** DAMO-ConvAI's EX: both queries on the database the prediction names (with metric ex). */
  ex_damo?: 0 | 1;
  /** mini_dev's Soft-F1 (with metric soft-f1). */
  soft_f1?: number;
  /** R-VES per run: 100·√reward (with metric r-ves). */
  r_ves?: number[];
  /** Why the pair did not run: the prediction's SQLite error or `timeout`; null when it ran. */
  pred_error: string | null;
  /** The gold query failed (the official scripts score 0 and say nothing). */
  gold_error?: string;
  /** The strict verdicts (with `strict`). */
  strict?: { ex?: 0 | 1; soft_f1?: number };
  /** The SQL of both sides, and the database the prediction names, for reports. */
  gold: string;
  pred: string;
  pred_db_id: string | null;
}

const maxRows = 100_000_000;

async function readInput<T>(
  option: 'gold' | 'pred' | 'questions',
  path: string,
  parse: (text: string) => T,
  signal?: AbortSignal,
): Promise<T> {
  return parse(await readUtf8(option, path, signal));
}

// One SQL a line, as `aquila eval` takes for Spider: field 0 of a tab-separated line; trailing blank lines are padding.
export function linePredictions(text: string): BirdPrediction[] {
  const lines = text.split(/\r?\n/);
  return lines
    .slice(0, itemCount(lines))
    .map((line) => ({ sql: parsePrediction(line), dbId: undefined, missing: false }));
}

function checkDatabaseFolder(db: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(db).isDirectory();
  } catch (error) {
    throw inputPathError('db', db, error);
  }
  if (!isFolder)
    throw new EvaluationInputError(`--db ${db} is a file; give the folder that holds <db_id>/<db_id>.sqlite`);
}

function databasePath(db: string, dbId: string): string {
  return join(db, dbId, `${dbId}.sqlite`);
}

function errorOf(verdict: ExecutionVerdict): string | null {
  if (verdict.bird !== undefined || verdict.goldError !== undefined) return null;
  return verdict.reason?.startsWith('timeout') === true ? 'timeout' : (verdict.reason ?? 'error');
}

/**
 * Evaluates BIRD predictions as the official scripts do: mini_dev's EX and Soft-F1 on the gold line's database,
 * DAMO-ConvAI's EX on the database the prediction names, and R-VES when asked. Inputs are read and checked before
 * any query runs; a query that fails or runs past the timeout scores 0, and nothing can hang.
 */
export async function evaluateBird(
  options: EvaluateBirdOptions,
): Promise<{ items: BirdItemVerdict[]; summary: BirdSummary }> {
  const { signal } = options;
  const metrics = options.metrics ?? ['ex', 'soft-f1'];
  const gold: BirdGold[] = await readInput('gold', options.gold, (text) => parseBirdGold(text, options.gold), signal);
  // The official JSON names a database per prediction; one SQL a line names none (ex_damo is then ex).
  let namesDatabases = false;
  const predictions = await readInput(
    'pred',
    options.pred,
    (text) => {
      namesDatabases = text.trimStart().startsWith('{');
      return namesDatabases ? parseBirdPredictions(text, options.pred) : linePredictions(text);
    },
    signal,
  );
  const questions: BirdQuestion[] | undefined =
    options.questions === undefined
      ? undefined
      : await readInput('questions', options.questions, (text) => parseBirdQuestions(text, options.questions), signal);
  if (predictions.length !== gold.length)
    throw new EvaluationInputError(
      `${options.pred} has ${predictions.length} predictions but ${options.gold} has ${gold.length} gold queries; they must align by position`,
    );
  if (questions !== undefined && questions.length !== gold.length)
    throw new EvaluationInputError(
      `${options.questions} has ${questions.length} questions but ${options.gold} has ${gold.length} gold queries; they must align by position`,
    );
  checkDatabaseFolder(options.db);
  const missing = [...new Set(gold.map(({ dbId }) => dbId))].filter(
    (dbId) => !existsSync(databasePath(options.db, dbId)),
  );
  if (missing.length > 0)
    throw new EvaluationInputError(
      `--db ${options.db} has no ${databasePath('', missing[0] as string)}${missing.length > 1 ? ` (nor ${missing.length - 1} more databases the gold names)` : ''}; give BIRD's dev_databases folder`,
    );

  const timeoutMs = options.timeoutMs ?? 30_000;
  const pool =
    options.pool ??
    new ExecutionPool({
      timeoutMs,
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(options.engine === undefined ? {} : { engine: options.engine }),
    });
  const task = (sql: string, goldSql: string, dbId: string): ExecutionTask => ({
    databases: [databasePath(options.db, dbId)],
    gold: goldSql,
    preds: [sql],
    orderMatters: false,
    maxRows,
    bird: {},
  });
  const wantsEx = metrics.includes('ex');
  let done = 0;
  const progress = (): void => {
    done += 1;
    options.onProgress?.({ done, total: gold.length });
  };
  let items: BirdItemVerdict[];
  // The questions R-VES times: results that matched, and queries that ran out of time (R-VES allows more).
  const timed: boolean[] = [];
  try {
    items = await Promise.all(
      gold.map(async (goldItem, index) => {
        const prediction = predictions[index] as BirdPrediction;
        signal?.throwIfAborted();
        const verdict = await pool.run(task(prediction.sql, goldItem.sql, goldItem.dbId));
        // DAMO-ConvAI runs both on the named database ("financial" for a value that is not a string, as it and
        // mini_dev do; DAMO stops on a string without the separator, where the fallback is taken too).
        const damoDb = namesDatabases ? (prediction.dbId ?? 'financial') : goldItem.dbId;
        // A database that does not exist scores 0 without a query (Python's connect would create an empty file).
        const damo: ExecutionVerdict =
          !wantsEx || damoDb === goldItem.dbId
            ? verdict
            : existsSync(databasePath(options.db, damoDb))
              ? await pool.run(task(prediction.sql, goldItem.sql, damoDb))
              : { exec: 0, predRuns: false, reason: `no database ${damoDb}` };
        signal?.throwIfAborted();
        const scores = verdict.bird;
        timed[index] = scores?.ex === 1 || errorOf(verdict) === 'timeout';
        const question = questions?.[index];
        const item: BirdItemVerdict = {
          i: index,
          question_id: question?.questionId ?? null,
          db_id: goldItem.dbId,
          difficulty: question?.difficulty ?? null,
          ...(wantsEx ? { ex: scores?.ex ?? 0, ex_damo: damo.bird?.ex ?? 0 } : {}),
          ...(metrics.includes('soft-f1') ? { soft_f1: scores?.softF1 ?? 0 } : {}),
          pred_error: errorOf(verdict),
          ...(verdict.goldError === undefined ? {} : { gold_error: verdict.goldError }),
          gold: goldItem.sql,
          pred: prediction.missing ? '' : prediction.sql,
          pred_db_id: prediction.dbId ?? null,
        };
        if (options.strict === true) {
          // No SQL (a missing value, an empty one) is never correct, though it "returns" no rows; rows are paired
          // by content; DAMO's database choice is dropped (the gold line's database is the question's).
          const noSql = prediction.missing || isBlankSql(prediction.sql);
          item.strict = {
            ...(wantsEx ? { ex: noSql ? 0 : (scores?.ex ?? 0) } : {}),
            ...(metrics.includes('soft-f1') ? { soft_f1: noSql ? 0 : (scores?.softF1Strict ?? 0) } : {}),
          };
        }
        progress();
        return item;
      }),
    );
  } finally {
    if (options.pool === undefined) await pool.close();
  }
  if (metrics.includes('r-ves')) await timeRuns(items, timed, gold, predictions, options, task);
  return {
    items,
    summary: summarizeBird({
      items,
      metrics,
      strict: options.strict === true,
      hasQuestions: questions !== undefined,
      ...(metrics.includes('r-ves') ? { vesIterations: options.vesIterations ?? 100 } : {}),
    }),
  };
}

// R-VES: each run times every question whose results match (a fresh pool per run, so runs do not share warm caches
// any more than the official script's separate invocations would), with the timeout allowed once per iteration.
async function timeRuns(
  items: BirdItemVerdict[],
  timed: readonly boolean[],
  gold: readonly BirdGold[],
  predictions: readonly BirdPrediction[],
  options: EvaluateBirdOptions,
  task: (sql: string, goldSql: string, dbId: string) => ExecutionTask,
): Promise<void> {
  const iterations = options.vesIterations ?? 100;
  const runs = options.vesRuns ?? 1;
  if (!Number.isInteger(iterations) || iterations < 1 || !Number.isInteger(runs) || runs < 1)
    throw new EvaluationInputError('R-VES needs whole numbers of iterations and runs, at least 1 each');
  for (const item of items) item.r_ves = [];
  for (let run = 0; run < runs; run += 1) {
    const pool = new ExecutionPool({
      timeoutMs: (options.timeoutMs ?? 30_000) * iterations,
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(options.engine === undefined ? {} : { engine: options.engine }),
    });
    try {
      await Promise.all(
        items.map(async (item, index) => {
          // A result that differed, or a query that failed, scores 0 again; only a timeout may turn out otherwise,
          // with the timeout allowed once per iteration.
          if (!(timed[index] as boolean)) {
            item.r_ves?.push(0);
            return;
          }
          const goldItem = gold[index] as BirdGold;
          const base = task((predictions[index] as BirdPrediction).sql, goldItem.sql, goldItem.dbId);
          const verdict = await pool.run({ ...base, bird: { timedIterations: iterations } });
          options.signal?.throwIfAborted();
          const times = verdict.bird?.times;
          item.r_ves?.push(times === undefined ? 0 : Math.sqrt(rVesReward(times)) * 100);
        }),
      );
    } finally {
      await pool.close();
    }
  }
}
