import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BadLineError, BadLinePolicy } from '@aquila/files';
import { EvaluationInputError, GoldQueryError, SqlParseError } from './errors.js';
import { type EvaluationSummary, type EvaluationType, type ItemVerdict, SummaryBuilder } from './evaluation-summary.js';
import { type ExactMatchResult, exactMatch, partialComponents } from './exact-match.js';
import { databaseFiles, executionTask, officialPrediction } from './execution-match.js';
import { ExecutionPool } from './execution-pool.js';
import type { ExecutionTask, ExecutionVerdict } from './execution-task.js';
import { extractSql } from './extract-sql.js';
import { hardness } from './hardness.js';
import { parseSql, parseTokens } from './parse-sql.js';
import {
  inputPathError,
  itemCount,
  parseGold,
  parsePrediction,
  parseRawOutput,
  readLines,
  readTablesJson,
} from './read-inputs.js';
import { foreignKeyMap, type SpiderSchema, schemaFromTablesJson, type TablesJsonEntry } from './schema.js';
import { schemaFromSqlite } from './schema-from-sqlite.js';
import { emptySql, type SpiderSql } from './spider-sql.js';
import { tokenizeSql } from './tokenize-sql.js';

export interface EvaluateOptions {
  /** Gold file: `SQL<TAB>db_id` a line. */
  gold: string;
  /** Prediction file: one SQL a line (or raw model outputs with `raw`). */
  pred: string;
  /** Database folder: `<db>/<db_id>/*.sqlite` (several files per folder give test-suite accuracy). */
  db: string;
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

interface Question {
  // Place among the questions evaluated, and among the gold file's items (they differ after skipped lines).
  index: number;
  item: number;
  gold: string;
  database: string;
  line: number;
  pred: string;
  extracted: boolean | undefined;
}

// How far matching runs ahead of the questions yielded (execution twice as far), so that no one waits.
const window = 64;

interface ParsedGold {
  sql: SpiderSql;
  hardness: ItemVerdict['hardness'];
  // Exact match against each distinct parsed prediction (undefined: one that did not parse).
  matches: Map<SpiderSql | undefined, ExactMatchResult>;
}

function tokens(sql: string): string[] | undefined {
  try {
    return tokenizeSql(sql);
  } catch (error) {
    // Unpaired quotes: upstream's tokenizer asserts, the prediction is empty SQL.
    if (SqlParseError.isInstance(error)) return undefined;
    throw error;
  }
}

// A prediction that this code cannot handle scores 0 with the reason; the run goes on.
function unhandled(what: string, error: unknown): string {
  return `the prediction could not be ${what}: ${(error as Error | undefined)?.message ?? String(error)}`;
}

// The questions to evaluate: gold lines aligned with prediction lines, bad lines reported to the policy (skipped
// ones drop their question). Everything is read and checked before any work starts.
async function readQuestions(
  options: EvaluateOptions,
  tables: ReadonlyMap<string, TablesJsonEntry>,
  badLines: BadLinePolicy,
): Promise<Question[]> {
  const { signal } = options;
  const gold = parseGold({
    lines: await readLines('gold', options.gold, badLines, signal),
    path: options.gold,
    tables,
    tablesPath: options.tables,
    badLines,
  });
  const predLines = await readLines('pred', options.pred, badLines, signal);
  // Trailing blank lines are padding, except where the gold has items for them: aligned empty predictions at the end.
  const predictions = Math.max(itemCount(predLines), Math.min(gold.length, predLines.length));
  if (predictions !== gold.length) {
    throw new EvaluationInputError(
      `${options.pred} has ${predictions} predictions but ${options.gold} has ${gold.length} gold queries; they must align line by line (a blank line is an empty prediction)`,
    );
  }
  const questions: Question[] = [];
  gold.forEach((item, index) => {
    const line = predLines[index] ?? (index < predLines.length ? undefined : '');
    if (item === undefined || line === undefined) return;
    let pred: string;
    let extracted: boolean | undefined;
    if (options.raw === true) {
      const output = parseRawOutput(line);
      if (typeof output !== 'string') {
        badLines.report(new BadLineError({ source: options.pred, line: index + 1, problem: output.problem }));
        return;
      }
      const sql = extractSql({ text: output });
      pred = sql?.sql ?? '';
      extracted = sql !== undefined;
    } else pred = parsePrediction(line);
    questions.push({
      index: questions.length,
      item: index,
      gold: item.sql,
      database: item.database,
      line: item.line,
      pred,
      extracted,
    });
  });
  return questions;
}

/**
 * Evaluates predictions against Spider-format gold with the official verdicts: yields each question's verdict in
 * order and returns the summary. Inputs are checked before any work: paths, lines (bad ones go to `badLines`),
 * lengths, databases, schemas. A prediction that cannot be handled scores 0 with its reason; the run goes on.
 */
export async function* evaluate(options: EvaluateOptions): AsyncGenerator<ItemVerdict, EvaluationSummary, undefined> {
  const { signal } = options;
  const etype = options.etype ?? 'all';
  const badLines = options.badLines ?? new BadLinePolicy();
  let dbIsFolder: boolean | undefined;
  try {
    dbIsFolder = statSync(options.db).isDirectory();
  } catch (error) {
    // A missing folder is fine where nothing runs (CSpider has no databases); where something must, it is named there.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw inputPathError('db', options.db, error);
  }
  if (dbIsFolder === false)
    throw new EvaluationInputError(`--db ${options.db} is a file; give the folder that holds <db_id>/<db_id>.sqlite`);
  const tables = await readTablesJson(options.tables, signal);
  const questions = await readQuestions(options, tables, badLines);

  const createPool = (): ExecutionPool =>
    new ExecutionPool({
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.engine === undefined ? {} : { engine: options.engine }),
    });
  const needsExec = etype !== 'match';
  const checkRuns = needsExec || options.checkRuns !== false;
  const source = options.schemaSource ?? 'auto';
  const files = new Map<string, string[]>();
  const checked = new Set<string>();
  // Cheap checks first (db_ids, database folders), so bad input fails before any worker starts.
  for (const question of questions) {
    if (checked.has(question.database)) continue;
    checked.add(question.database);
    const path = join(options.db, question.database, `${question.database}.sqlite`);
    if (source === 'sqlite' && !existsSync(path))
      throw new EvaluationInputError(`${options.gold}:${question.line}: database ${path} does not exist; check --db`);
    if (needsExec || (checkRuns && existsSync(join(options.db, question.database)))) {
      try {
        files.set(question.database, databaseFiles(join(options.db, question.database)));
      } catch (error) {
        throw new EvaluationInputError(
          `${options.gold}:${question.line}: db_id "${question.database}": ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  }
  // Workers start while the schemas are read.
  const earlyPool = files.size > 0 ? createPool() : undefined;
  const schemas = new Map<string, SpiderSchema>();
  try {
    for (const question of questions) {
      if (schemas.has(question.database)) continue;
      signal?.throwIfAborted();
      const entry = tables.get(question.database) as TablesJsonEntry;
      const path = join(options.db, question.database, `${question.database}.sqlite`);
      schemas.set(
        question.database,
        source === 'tables' || !existsSync(path)
          ? schemaFromTablesJson(entry)
          : await schemaFromSqlite({ path, foreignKeyMap: foreignKeyMap(entry) }),
      );
    }
  } catch (error) {
    await earlyPool?.close();
    throw error;
  }

  const pool = earlyPool;
  const execution = (question: Question): Promise<[ExecutionVerdict, ExecutionVerdict | undefined]> => {
    const databases = files.get(question.database);
    if (!needsExec) {
      // etype match: only whether the prediction runs (no database: it does not).
      if (databases === undefined)
        return Promise.resolve([{ exec: 0, predRuns: false, reason: 'no database file' }, undefined]);
      return Promise.all([
        (pool as ExecutionPool).run({
          databases,
          gold: '',
          preds: [question.pred],
          orderMatters: false,
          runsOnly: true,
          maxRows: 1000,
        }),
        undefined,
      ]);
    }
    const run = (mode: 'official' | 'fixed'): Promise<ExecutionVerdict> => {
      let task: ExecutionTask;
      try {
        task = executionTask({
          gold: question.gold,
          pred: question.pred,
          databases: files.get(question.database) as string[],
          mode,
          ...(options.keepDistinct === undefined ? {} : { keepDistinct: options.keepDistinct }),
          ...(options.plugValue === undefined ? {} : { plugValue: options.plugValue }),
        });
      } catch (error) {
        return Promise.resolve({ exec: 0, predRuns: false, reason: unhandled('prepared to run', error) });
      }
      return (pool as ExecutionPool).run(task);
    };
    const official = run('official');
    // Fixed mode executes differently only where upstream rewrote `value`.
    const fixed =
      options.fixed === true && officialPrediction(question.pred) !== question.pred ? run('fixed') : undefined;
    return Promise.all([official, fixed ?? official.then(() => undefined)]);
  };

  const summary = new SummaryBuilder(etype);
  const parsedGold = new Map<string, ParsedGold>();
  // A parse depends on the tokens, the schema and the mode alone: a prediction with the tokens of an earlier query
  // (a third of DIN-SQL's are their gold, spaced or cased differently) reuses its parse, and its exact match.
  const parsedByTokens = new Map<string, SpiderSql | undefined>();
  const parsePrediction = (
    sql: string,
    database: string,
    schema: SpiderSchema,
    mode: 'official' | 'fixed',
  ): SpiderSql | undefined => {
    const list = tokens(officialPrediction(sql, mode));
    if (list === undefined) return undefined;
    const key = `${database}\u0000${mode}\u0000${JSON.stringify(list)}`;
    if (!parsedByTokens.has(key)) {
      const parsed = parseTokens(list, schema, mode);
      parsedByTokens.set(key, 'rejected' in parsed ? undefined : parsed);
    }
    return parsedByTokens.get(key);
  };
  // A prediction that fails in a way the grammar does not foresee (a bug, a stack too small) is not parsed: the
  // item says why and the run goes on.
  const parseOrExplain = (
    question: Question,
    schema: SpiderSchema,
    mode: 'official' | 'fixed',
  ): { sql?: SpiderSql; failure?: string } => {
    try {
      const sql = parsePrediction(question.pred, question.database, schema, mode);
      return sql === undefined ? {} : { sql };
    } catch (error) {
      return { failure: unhandled('parsed', error) };
    }
  };
  const matchItem = (question: Question): ItemVerdict => {
    const schema = schemas.get(question.database) as SpiderSchema;
    // Spider repeats each gold query for paraphrased questions: parse it once.
    const goldKey = `${question.database}\u0000${question.gold}`;
    let gold = parsedGold.get(goldKey);
    if (gold === undefined) {
      try {
        const goldTokens = tokenizeSql(question.gold);
        const sql = parseTokens(goldTokens, schema, 'official');
        if ('rejected' in sql) throw new SqlParseError(sql.rejected);
        gold = { sql, hardness: hardness({ sql }), matches: new Map() };
        parsedByTokens.set(`${question.database}\u0000official\u0000${JSON.stringify(goldTokens)}`, sql);
      } catch (error) {
        throw new GoldQueryError(
          `${options.gold}:${question.line}: the gold query does not parse in the Spider grammar (${(error as Error).message}); upstream crashes here`,
          { cause: error },
        );
      }
      parsedGold.set(goldKey, gold);
    }
    const goldSql = gold.sql;
    const { sql: predSql, failure } = parseOrExplain(question, schema, 'official');
    const item: ItemVerdict = {
      i: question.item,
      db_id: question.database,
      hardness: gold.hardness,
      pred_parsed: predSql !== undefined,
      pred_runs: false,
      gold: question.gold,
      pred: question.pred,
      ...(question.extracted === undefined ? {} : { extracted: question.extracted }),
      ...(failure === undefined ? {} : { reason: failure }),
    };
    if (etype !== 'exec') {
      let match = gold.matches.get(predSql);
      if (match === undefined) {
        match = exactMatch({ pred: predSql ?? emptySql(), gold: goldSql, schema });
        gold.matches.set(predSql, match);
      }
      item.exact = match.exact;
      // Each item gets its own copy: callers may change what they are given.
      const partial = {} as ExactMatchResult['partial'];
      for (const component of partialComponents) partial[component] = { ...match.partial[component] };
      item.partial = partial;
      if (options.fixed === true) {
        const fixedGold = parseSql({ sql: question.gold, schema, mode: 'fixed' });
        const fixedPred = parseOrExplain(question, schema, 'fixed').sql ?? emptySql();
        item.fixed = { exact: exactMatch({ pred: fixedPred, gold: fixedGold, schema, mode: 'fixed' }).exact };
      }
    }
    return item;
  };

  type Verdicts = [ExecutionVerdict, ExecutionVerdict | undefined];
  // Execution runs ahead of the questions being matched, matching runs ahead of the questions yielded while the
  // next verdict is not in (at the start, while the engines start): neither waits for the other.
  const executions: { promise: Promise<Verdicts>; settled: boolean }[] = [];
  const matched: ItemVerdict[] = [];
  let dispatched = 0;
  try {
    for (const question of questions) {
      signal?.throwIfAborted();
      const before = dispatched;
      while (pool !== undefined && dispatched < questions.length && dispatched < question.index + 2 * window) {
        const entry = { promise: execution(questions[dispatched++] as Question), settled: false };
        const settle = (): void => {
          entry.settled = true;
        };
        entry.promise.then(settle, settle);
        executions.push(entry);
      }
      // The pool sends new tasks in a microtask: let it, before matching keeps this thread busy.
      if (dispatched > before) await undefined;
      if (matched.length === 0) matched.push(matchItem(question));
      while (
        pool !== undefined &&
        executions[0]?.settled !== true &&
        matched.length < window &&
        question.index + matched.length < questions.length
      ) {
        matched.push(matchItem(questions[question.index + matched.length] as Question));
      }
      const item = matched.shift() as ItemVerdict;
      if (pool !== undefined && etype === 'match') {
        const [runs] = await (executions.shift() as { promise: Promise<Verdicts> }).promise;
        item.pred_runs = runs.predRuns;
      } else if (pool !== undefined) {
        const [official, fixed] = await (executions.shift() as { promise: Promise<Verdicts> }).promise;
        if (official.goldError !== undefined)
          throw new GoldQueryError(
            `${options.gold}:${question.line}: the gold query fails on its database: ${official.goldError}`,
          );
        item.exec = official.exec;
        item.pred_runs = official.predRuns;
        if (official.reason !== undefined && official.exec === 0) item.reason = official.reason;
        if (options.fixed === true) item.fixed = { ...item.fixed, exec: (fixed ?? official).exec };
      }
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
