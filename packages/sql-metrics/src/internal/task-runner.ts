// The execution check of one task, on whichever engine runs it (sql.js in a worker thread, native SQLite in a
// child process): the runs check, gold rows (cached), each prediction on each database, result_eq.
import { rowsEqual } from '../bird/rows-equal.js';
import { softF1 } from '../bird/soft-f1.js';
import type { BirdPairScores, ExecutionTask, ExecutionVerdict, QueryRows } from '../execution-task.js';
import { resultDigest } from '../vote/result-digest.js';
import type { QueryRole } from './query-clock.js';
import { replaceCurrentYear } from './remove-distinct.js';
import { type Row, resultEqual } from './result-equal.js';
import { isBlankSql } from './sql-lexer.js';

/** What running one query gave: its rows (at most `maxRows`), or the error SQLite (or Python's sqlite3) raised. */
export type QueryOutcome =
  | { ok: true; columns: string[]; rows: Row[]; complete: boolean }
  | { ok: false; error: string };

/** An engine's open databases: runs one statement as Python's `cursor.execute` + `fetchall` would. */
export interface QuerySession {
  /** Opens the database file (if not yet open), so that loading it is not counted as the query's time. */
  open(path: string): void;
  run(path: string, sql: string, maxRows: number): QueryOutcome;
}

/** Where the running query is reported (the pool's watchdog reads it to give a timed-out task its verdict). */
export interface QueryTracker {
  start(role: QueryRole, database: number): void;
  knowRuns(value: boolean): void;
}

const goldCacheLimit = 512;

// SQLite runs a text with no statement in it (empty, only comments or semicolons) without error and returns no
// rows, which would equal every gold result that has none. No SQL is never a correct prediction, nor one that runs.
const noStatement: QueryOutcome = { ok: false, error: 'no SQL to run: the prediction is empty or only comments' };

export class TaskRunner {
  // Predictions cannot change a database (read-only, reopened after anything but a query), so gold rows keep.
  private readonly goldCache = new Map<string, Row[] | string>();

  constructor(
    private readonly session: QuerySession,
    private readonly tracker: QueryTracker,
  ) {}

  // The query's clock starts once its database is open.
  private begin(role: QueryRole, index: number, path: string): void {
    this.session.open(path);
    this.tracker.start(role, index);
  }

  private runPrediction(path: string, sql: string, maxRows: number): QueryOutcome {
    return isBlankSql(sql) ? noStatement : this.session.run(path, sql, maxRows);
  }

  private goldRows(path: string, index: number, sql: string, maxRows: number): Row[] | string {
    const key = `${path}\u0000${sql}`;
    const cached = this.goldCache.get(key);
    if (cached !== undefined) return cached;
    this.begin('gold', index, path);
    const outcome = this.session.run(path, sql, maxRows);
    const value = !outcome.ok ? outcome.error : outcome.complete ? outcome.rows : `more than ${maxRows} rows`;
    if (this.goldCache.size >= goldCacheLimit) this.goldCache.delete(this.goldCache.keys().next().value as string);
    this.goldCache.set(key, value);
    return value;
  }

  // mini_dev's execute_sql: pred, then gold, on one database; any error scores 0 (and says why).
  private runBird(task: ExecutionTask, bird: NonNullable<ExecutionTask['bird']>): ExecutionVerdict {
    const path = task.databases[0];
    const pred = task.preds[0];
    if (path === undefined || pred === undefined) return { exec: 0, predRuns: false, reason: 'no database or query' };
    this.begin('pred', 0, path);
    const predOutcome = this.session.run(path, pred, task.maxRows);
    if (!predOutcome.ok) return { exec: 0, predRuns: false, reason: predOutcome.error };
    if (!predOutcome.complete) return { exec: 0, predRuns: true, reason: `more than ${task.maxRows} rows` };
    const gold = this.goldRows(path, 0, task.gold, task.maxRows);
    if (typeof gold === 'string') return { exec: 0, predRuns: true, goldError: gold };
    const rows = predOutcome.rows;
    const scores: BirdPairScores = {
      ex: rowsEqual(rows, gold) ? 1 : 0,
      softF1: softF1({ pred: rows, gold }),
      softF1Strict: softF1({ pred: rows, gold, pairing: 'content' }),
      goldEmpty: gold.length === 0,
    };
    if (scores.ex === 1 && bird.timedIterations !== undefined) {
      // evaluation_ves.py: each iteration times the prediction, then the gold (the database stays open here).
      const times = { pred: [] as number[], gold: [] as number[] };
      for (let iteration = 0; iteration < bird.timedIterations; iteration += 1)
        for (const [sql, list] of [
          [pred, times.pred],
          [task.gold, times.gold],
        ] as const) {
          this.tracker.start(sql === pred ? 'pred' : 'gold', 0);
          const start = performance.now();
          this.session.run(path, sql, task.maxRows);
          list.push((performance.now() - start) / 1000);
        }
      scores.times = times;
    }
    return { exec: scores.ex, predRuns: true, bird: scores };
  }

  run(given: ExecutionTask): ExecutionVerdict {
    if (given.bird !== undefined) return this.runBird(given, given.bird);
    // test-suite-sql-eval's rewrite of MySQL's YEAR(CURDATE()), before any Spider query runs.
    const task =
      given.asWritten === true
        ? given
        : {
            ...given,
            gold: replaceCurrentYear(given.gold),
            preds: given.preds.map(replaceCurrentYear),
            ...(given.runsCheck === undefined ? {} : { runsCheck: replaceCurrentYear(given.runsCheck) }),
          };
    const { session, tracker } = this;
    let predRuns = task.predRunsKnown;
    const first = task.databases[0];
    if (task.returnRows === true) {
      if (first === undefined || task.preds[0] === undefined)
        return { exec: 0, predRuns: false, reason: 'no database or query' };
      // Role 'pred': a timeout resolves with its reason instead of being retried as a runs check.
      this.begin('pred', 0, first);
      const start = performance.now();
      const outcome = session.run(first, task.preds[0], task.maxRows + 1);
      const ms = performance.now() - start;
      if (!outcome.ok) return { exec: 0, predRuns: false, reason: outcome.error, ms };
      const truncated = outcome.rows.length > task.maxRows;
      const value = task.digest === undefined || truncated ? undefined : resultDigest(task.digest, outcome.rows);
      if (value !== undefined) return { exec: 0, predRuns: true, ms, digest: { value, rows: outcome.rows.length } };
      return {
        exec: 0,
        predRuns: true,
        ms,
        result: {
          columns: outcome.columns,
          rows: (truncated ? outcome.rows.slice(0, task.maxRows) : outcome.rows) as QueryRows['rows'],
          truncated,
        },
      };
    }
    if (task.runsOnly === true) {
      if (first === undefined || task.preds[0] === undefined) return { exec: 0, predRuns: false };
      if (predRuns !== undefined) return { exec: 0, predRuns };
      this.begin('runs', 0, first);
      return { exec: 0, predRuns: this.runPrediction(first, task.preds[0], task.maxRows).ok };
    }
    if (predRuns === undefined && task.runsCheck !== undefined && first !== undefined) {
      this.begin('runs', 0, first);
      predRuns = this.runPrediction(first, task.runsCheck, task.maxRows).ok;
      tracker.knowRuns(predRuns);
    }
    let reason = 'no database file';
    for (const pred of task.preds) {
      let passes = true;
      for (const [index, path] of task.databases.entries()) {
        const gold = this.goldRows(path, index, task.gold, task.maxRows);
        if (typeof gold === 'string')
          return { exec: 0, predRuns: predRuns ?? false, goldError: `${gold} (database ${path})` };
        if (task.sameAsGold === true && pred === task.preds[0]) {
          predRuns ??= true;
          continue;
        }
        this.begin('pred', index, path);
        const outcome = this.runPrediction(path, pred, gold.length + 1);
        if (index === 0 && pred === task.preds[0] && predRuns === undefined) {
          predRuns = outcome.ok;
          tracker.knowRuns(predRuns);
        }
        if (!outcome.ok) reason = outcome.error;
        else if (!resultEqual(gold, outcome.rows, task.orderMatters)) reason = `result differs on ${path}`;
        else continue;
        passes = false;
        break;
      }
      if (passes && task.databases.length > 0) return { exec: 1, predRuns: predRuns ?? true };
    }
    return { exec: 0, predRuns: predRuns ?? false, reason };
  }
}
