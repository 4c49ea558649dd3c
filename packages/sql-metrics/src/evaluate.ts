import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BadLinePolicy } from '@aquila/files';
import { EvaluationInputError, GoldQueryError } from './errors.js';
import { type EvaluationSummary, type EvaluationType, type ItemVerdict, SummaryBuilder } from './evaluation-summary.js';
import { databaseFiles } from './execution-match.js';
import { ExecutionPool } from './execution-pool.js';
import { QuestionMatcher } from './question-matcher.js';
import { QuestionRunner, type Verdicts } from './question-runner.js';
import { inputPathError, type Question, readQuestions, readTablesJson } from './read-inputs.js';
import { foreignKeyMap, type SpiderSchema, schemaFromTablesJson, type TablesJsonEntry } from './schema.js';
import { schemaFromSqlite } from './schema-from-sqlite.js';

export interface EvaluateOptions {
  /** Gold file: `SQL<TAB>db_id` a line. */
  gold: string;
  /** Prediction file: one SQL a line (or raw model outputs with `raw`). */
  pred: string;
  /**
   * Database folder: `<db>/<db_id>/*.sqlite` (several files per folder give test-suite accuracy; CSpider's queries
   * run on Spider's). Without one only exact match is scored (etype match), with the schemas of tables.json.
   */
  db?: string;
  /** Spider's tables.json (foreign keys; the schema too where there is no SQLite file). */
  tables: string;
  /** Which verdicts: 'all' (default), 'match' or 'exec'. */
  etype?: EvaluationType;
  /** Where schemas come from: the SQLite file (official), tables.json, or 'auto' (the file when there is one). Default 'auto'. */
  schemaSource?: 'auto' | 'sqlite' | 'tables';
  /** Try the gold's values in the prediction (upstream `--plug_value`). */
  plugValue?: boolean;
  /** Keep DISTINCT in execution (upstream `--keep_distinct`). */
  keepDistinct?: boolean;
  /** The prediction file holds raw model outputs; SQL is extracted first (FlagAI's rule plus plain SQL). */
  raw?: boolean;
  /** Also compute the fixed-mode verdicts (upstream bugs fixed), reported beside the official ones. */
  fixed?: boolean;
  /** With etype match, still run each prediction once to report `pred_runs` (default true). */
  checkRuns?: boolean;
  /** Execution worker threads. */
  workers?: number;
  /** Per-query timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  /** 'auto' (default): native SQLite where its result is provably sql.js's, sql.js for the rest; 'sql.js': sql.js only. */
  engine?: 'auto' | 'sql.js';
  /**
   * Where bad lines of the gold and prediction files go (a gold line without a db_id or with one tables.json does
   * not know, a raw output that starts as JSON and is not, bytes that are not UTF-8). By default the first one
   * throws a BadLineError naming file and line; a policy that skips drops the question (gold and prediction) and
   * counts the line.
   */
  badLines?: BadLinePolicy;
  /** Called after each question with the count done and the total. */
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

// How far matching runs ahead of the questions yielded (execution twice as far), so that no one waits.
const window = 64;

// A missing folder is fine where nothing runs (CSpider has no databases); where something must, it is named there.
// No folder at all is fine for exact match only.
function checkDatabaseFolder(db: string | undefined, etype: EvaluationType): void {
  if (db === undefined) {
    if (etype === 'match') return;
    throw new EvaluationInputError(
      `etype ${etype} runs the queries and needs --db, the folder of <db_id>/<db_id>.sqlite (for CSpider, Spider's databases); without one, score exact match only (--etype match)`,
    );
  }
  let dbIsFolder: boolean | undefined;
  try {
    dbIsFolder = statSync(db).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw inputPathError('db', db, error);
  }
  if (dbIsFolder === false)
    throw new EvaluationInputError(`--db ${db} is a file; give the folder that holds <db_id>/<db_id>.sqlite`);
}

function databasePath(db: string, database: string): string {
  return join(db, database, `${database}.sqlite`);
}

// Each database's files, where something runs on it: with etype exec or all every database, with match the ones
// there are (unless checkRuns is false). Cheap checks first, so bad input fails before any worker starts.
function findDatabaseFiles(questions: readonly Question[], options: EvaluateOptions): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const db = options.db;
  if (db === undefined) {
    if (options.schemaSource === 'sqlite')
      throw new EvaluationInputError('schemaSource sqlite reads the schemas from the databases; give --db');
    return files;
  }
  const needsExec = options.etype !== 'match';
  const checkRuns = needsExec || options.checkRuns !== false;
  const checked = new Set<string>();
  for (const question of questions) {
    if (checked.has(question.database)) continue;
    checked.add(question.database);
    const path = databasePath(db, question.database);
    if (options.schemaSource === 'sqlite' && !existsSync(path))
      throw new EvaluationInputError(`${options.gold}:${question.line}: database ${path} does not exist; check --db`);
    if (needsExec || (checkRuns && existsSync(join(db, question.database)))) {
      try {
        files.set(question.database, databaseFiles(join(db, question.database)));
      } catch (error) {
        throw new EvaluationInputError(
          `${options.gold}:${question.line}: db_id "${question.database}": ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  }
  return files;
}

// Each database's schema: from its SQLite file (official) unless tables.json is asked for or there is no file.
async function readSchemas(
  questions: readonly Question[],
  tables: ReadonlyMap<string, TablesJsonEntry>,
  options: EvaluateOptions,
): Promise<Map<string, SpiderSchema>> {
  const schemas = new Map<string, SpiderSchema>();
  for (const question of questions) {
    if (schemas.has(question.database)) continue;
    options.signal?.throwIfAborted();
    const entry = tables.get(question.database) as TablesJsonEntry;
    const path = options.db === undefined ? undefined : databasePath(options.db, question.database);
    schemas.set(
      question.database,
      options.schemaSource === 'tables' || path === undefined || !existsSync(path)
        ? schemaFromTablesJson(entry)
        : await schemaFromSqlite({ path, foreignKeyMap: foreignKeyMap(entry) }),
    );
  }
  return schemas;
}

function createPool(options: EvaluateOptions): ExecutionPool {
  return new ExecutionPool({
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.engine === undefined ? {} : { engine: options.engine }),
  });
}

interface MatchedAndRunOptions {
  questions: readonly Question[];
  matcher: QuestionMatcher;
  /** Undefined where nothing runs. */
  runner: QuestionRunner | undefined;
  signal: AbortSignal | undefined;
}

/**
 * Each question in order with its match verdict and its execution verdicts. Execution runs ahead of the questions
 * being matched, matching runs ahead of the questions yielded while the next verdict is not in (at the start, while
 * the engines start): neither waits for the other.
 */
async function* matchedAndRun(
  options: MatchedAndRunOptions,
): AsyncGenerator<{ question: Question; item: ItemVerdict; verdicts: Verdicts | undefined }> {
  const { questions, matcher, runner, signal } = options;
  const executions: { promise: Promise<Verdicts>; settled: boolean }[] = [];
  const matched: ItemVerdict[] = [];
  let dispatched = 0;
  for (const question of questions) {
    signal?.throwIfAborted();
    const before = dispatched;
    while (runner !== undefined && dispatched < questions.length && dispatched < question.index + 2 * window) {
      const entry = { promise: runner.run(questions[dispatched++] as Question), settled: false };
      const settle = (): void => {
        entry.settled = true;
      };
      entry.promise.then(settle, settle);
      executions.push(entry);
    }
    // The pool sends new tasks in a microtask: let it, before matching keeps this thread busy.
    if (dispatched > before) await undefined;
    if (matched.length === 0) matched.push(matcher.match(question));
    while (
      runner !== undefined &&
      executions[0]?.settled !== true &&
      matched.length < window &&
      question.index + matched.length < questions.length
    ) {
      matched.push(matcher.match(questions[question.index + matched.length] as Question));
    }
    const item = matched.shift() as ItemVerdict;
    const verdicts =
      runner === undefined ? undefined : await (executions.shift() as { promise: Promise<Verdicts> }).promise;
    yield { question, item, verdicts };
  }
}

// The execution verdicts into the item: whether the prediction runs, and (unless etype is match) exec.
function addExecution(item: ItemVerdict, verdicts: Verdicts, question: Question, options: EvaluateOptions): void {
  const [official, fixed] = verdicts;
  if (options.etype === 'match') {
    item.pred_runs = official.predRuns;
    return;
  }
  if (official.goldError !== undefined)
    throw new GoldQueryError(
      `${options.gold}:${question.line}: the gold query fails on its database: ${official.goldError}`,
    );
  item.exec = official.exec;
  item.pred_runs = official.predRuns;
  if (official.reason !== undefined && official.exec === 0) item.reason = official.reason;
  if (options.fixed === true) item.fixed = { ...item.fixed, exec: (fixed ?? official).exec };
}

/**
 * Evaluates predictions against Spider-format gold with the official verdicts: yields each question's verdict in
 * order and returns the summary. Inputs are checked before any work: paths, lines (bad ones go to `badLines`),
 * lengths, databases, schemas. A prediction that cannot be handled scores 0 with its reason; the run goes on.
 */
export async function* evaluate(options: EvaluateOptions): AsyncGenerator<ItemVerdict, EvaluationSummary, undefined> {
  const { signal } = options;
  const etype = options.etype ?? 'all';
  checkDatabaseFolder(options.db, etype);
  const tables = await readTablesJson(options.tables, signal);
  const questions = await readQuestions({
    gold: options.gold,
    pred: options.pred,
    tables,
    tablesPath: options.tables,
    raw: options.raw === true,
    badLines: options.badLines ?? new BadLinePolicy(),
    signal,
  });
  const files = findDatabaseFiles(questions, options);
  // Workers start while the schemas are read.
  const pool = files.size > 0 ? createPool(options) : undefined;
  let schemas: Map<string, SpiderSchema>;
  try {
    schemas = await readSchemas(questions, tables, options);
  } catch (error) {
    await pool?.close();
    throw error;
  }
  const fixed = options.fixed === true;
  const matcher = new QuestionMatcher({ etype, fixed, goldPath: options.gold, schemas });
  const runner =
    pool === undefined
      ? undefined
      : new QuestionRunner({
          pool,
          files,
          runsOnly: etype === 'match',
          fixed,
          keepDistinct: options.keepDistinct,
          plugValue: options.plugValue,
        });
  const summary = new SummaryBuilder(etype);
  try {
    for await (const { question, item, verdicts } of matchedAndRun({ questions, matcher, runner, signal })) {
      if (verdicts !== undefined) addExecution(item, verdicts, question, options);
      if (question.extracted === false) item.reason = 'no SQL found in the model output';
      summary.add(item, pool !== undefined && files.has(question.database));
      options.onProgress?.({ done: question.index + 1, total: questions.length });
      yield item;
    }
  } finally {
    await pool?.close();
  }
  return summary.finish();
}

/** Runs {@link evaluate} to the end: every verdict and the summary. */
export async function evaluateAll(
  options: EvaluateOptions,
): Promise<{ items: ItemVerdict[]; summary: EvaluationSummary }> {
  const items: ItemVerdict[] = [];
  const generator = evaluate(options);
  for (;;) {
    const step = await generator.next();
    if (step.done === true) return { items, summary: step.value };
    items.push(step.value);
  }
}
