import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EvaluationInputError } from './errors.js';
import { ExecutionPool } from './execution-pool.js';
import type { ExecutionTask, ExecutionVerdict } from './execution-task.js';
import { plugGoldValues } from './internal/plug-values.js';
import { closeSpacedOperators, removeDistinct } from './internal/remove-distinct.js';
import { sqlTokens } from './internal/sql-lexer.js';

export interface ExecutionMatchOptions {
  /** The gold SQL. */
  gold: string;
  /** The predicted SQL, as the model gave it. */
  pred: string;
  /** Database files to compare on: one for execution accuracy, several for test-suite accuracy. */
  databases: readonly string[];
  /** Keep DISTINCT (upstream `--keep_distinct`); by default it is removed from both queries. */
  keepDistinct?: boolean;
  /** Also try the gold's literal values in the prediction's value slots (upstream `--plug_value`). */
  plugValue?: boolean;
  /** 'official' (default) applies upstream's `value` → `1` replacement to the prediction; 'fixed' does not. */
  mode?: 'official' | 'fixed';
  /** A pool to run on; by default a one-worker pool is made and closed. */
  pool?: ExecutionPool;
  /** Per-query timeout for the default pool, in milliseconds. */
  timeoutMs?: number;
  /** Most rows a gold query may return. Default 1,000,000. */
  maxRows?: number;
}

/** The prediction string upstream works on: `value` becomes `1` everywhere (issue #21) in official mode. */
export function officialPrediction(pred: string, mode: 'official' | 'fixed' = 'official'): string {
  return mode === 'official' ? pred.replaceAll('value', '1') : pred;
}

/** The `.sqlite` files of one database folder (every name containing `.sqlite`, as upstream lists them). */
export function databaseFiles(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    throw new EvaluationInputError(
      `database folder ${directory} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); --db must hold one folder per db_id with its .sqlite file(s)`,
      { cause: error },
    );
  }
  const files = names.filter((name) => name.includes('.sqlite')).sort();
  if (files.length === 0)
    throw new EvaluationInputError(
      `database folder ${directory} has no .sqlite file; --db must hold <db_id>/<db_id>.sqlite`,
    );
  return files.map((name) => join(directory, name));
}

// The same query up to letter case and spacing outside strings, quoted names and comments: SQLite reads the same
// statement, so it returns the same rows and the prediction need not run (a third of DIN-SQL's predictions are
// their gold, spaced differently). SQLite folds the case of ASCII letters only.
const quoted = /^['"`[]/;

function normalQuery(sql: string): string {
  const plain = (text: string): string =>
    text
      .replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
      .replace(/\s+/g, ' ')
      .replace(/ ?([(),]) ?/g, '$1');
  let normal = '';
  let text = '';
  for (const token of sqlTokens({ sql })) {
    if (quoted.test(token)) {
      normal += plain(text) + token;
      text = '';
    } else text += token.startsWith('--') || token.startsWith('/*') ? ' ' : token;
  }
  return (normal + plain(text)).trim();
}

function sameQuery(left: string, right: string): boolean {
  return normalQuery(left) === normalQuery(right);
}

/** Builds the worker task for one question, preprocessing both queries exactly as test-suite-sql-eval does. */
export function executionTask(options: Omit<ExecutionMatchOptions, 'pool' | 'timeoutMs'>): ExecutionTask {
  const predGiven = officialPrediction(options.pred, options.mode);
  let pred = closeSpacedOperators(predGiven);
  let gold = closeSpacedOperators(options.gold);
  if (options.keepDistinct !== true) {
    pred = removeDistinct(pred);
    gold = removeDistinct(gold);
  }
  const preds = options.plugValue === true ? [pred, ...plugGoldValues({ gold, pred })] : [pred];
  return {
    databases: options.databases,
    gold,
    preds,
    orderMatters: gold.toLowerCase().includes('order by'),
    ...(sameQuery(pred, gold) ? { sameAsGold: true } : {}),
    ...(options.pred === pred ? {} : { runsCheck: options.pred }),
    maxRows: options.maxRows ?? 1_000_000,
  };
}

/**
 * Execution match of one question with test-suite semantics: gold and prediction run on every database; the
 * prediction must give the gold's rows (as a bag, in order when the gold has ORDER BY, columns in any order).
 */
export async function executionMatch(options: ExecutionMatchOptions): Promise<ExecutionVerdict> {
  const pool =
    options.pool ??
    new ExecutionPool({ workers: 1, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
  try {
    return await pool.run(executionTask(options));
  } finally {
    if (options.pool === undefined) await pool.close();
  }
}
