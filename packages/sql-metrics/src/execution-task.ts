// Messages between the execution pool and its workers.

import type { VoteEquality } from './vote/vote-equality.js';

/** One question's execution check, as a worker runs it. */
export interface ExecutionTask {
  /** Every database file to run on (one for EX, several for test-suite accuracy). */
  databases: readonly string[];
  /** The gold query, preprocessed as upstream does before executing. */
  gold: string;
  /** Predictions to try in turn (the prediction, then plug-value variants); the first that matches wins. */
  preds: readonly string[];
  /** Compare rows in order (the gold has ORDER BY). */
  orderMatters: boolean;
  /** The prediction as given, when it differs from `preds[0]`: tested on the first database for `predRuns`. */
  runsCheck?: string;
  /** `predRuns` already known (a retry after the runs check timed out). */
  predRunsKnown?: boolean;
  /** `preds[0]` is the gold query up to case and spacing: its rows are the gold's, it need not run. */
  sameAsGold?: boolean;
  /** Only find out whether `preds[0]` runs on the first database (no gold, no comparison). */
  runsOnly?: boolean;
  /**
   * Only run `preds[0]` on the first database and return its columns and first `maxRows` rows in `result`
   * (no gold, no comparison); a SQLite error or a timeout goes to `reason`.
   */
  returnRows?: boolean;
  /** Run the queries exactly as given, without Spider's YEAR(CURDATE()) rewrite (a vote's candidates run as written). */
  asWritten?: boolean;
  /**
   * With `returnRows`: send the result's digest under this equality in the verdict's `digest` instead of its rows,
   * where it has one (see resultDigest).
   */
  digest?: VoteEquality;
  /** Most rows read from a gold query before it counts as an error. */
  maxRows: number;
  /**
   * BIRD: run `preds[0]` then `gold` on `databases[0]` as mini_dev does (as given: no rewrite, no empty-SQL rule)
   * and score the pair in the verdict's `bird`; with `timedIterations`, a correct pair is then timed that often.
   */
  bird?: { timedIterations?: number };
}

/** A BIRD pair's scores, computed where the rows are. */
export interface BirdPairScores {
  /** mini_dev's EX: the two results are equal as sets of row tuples. */
  ex: 0 | 1;
  /** mini_dev's Soft-F1 (rows paired by position). */
  softF1: number;
  /** Soft-F1 with equal rows paired first, whatever their order (the strict mode). */
  softF1Strict: number;
  /** The gold result has no rows. */
  goldEmpty: boolean;
  /** Seconds per timed iteration, the prediction's and the gold's (with `timedIterations`, when EX is 1). */
  times?: { pred: number[]; gold: number[] };
}

/** The execution verdict of one question. */
export interface ExecutionVerdict {
  /** 1 when a prediction gives the gold's result on every database. */
  exec: 0 | 1;
  /** The prediction ran without error on the first database. */
  predRuns: boolean;
  /** Why exec is 0, when it is: the SQLite error, `timeout`, or a result mismatch. */
  reason?: string;
  /** Set when the gold query itself failed (upstream crashes here). */
  goldError?: string;
  /** The prediction's result, for a `returnRows` task that ran. */
  result?: QueryRows;
  /** A `digest` task's result as its digest and row count, sent instead of `result` (the rows stay in the worker). */
  digest?: { value: string; rows: number };
  /** Milliseconds the query of a `returnRows` task ran (with or without error), its database already open. */
  ms?: number;
  /** A BIRD task's scores, when both queries ran. */
  bird?: BirdPairScores;
}

/** A query's result as SQLite gave it: integers as bigint, blobs as Uint8Array. */
export interface QueryRows {
  columns: string[];
  rows: (bigint | number | string | Uint8Array | null)[][];
  /** More rows than `maxRows` exist. */
  truncated: boolean;
}

export type WorkerRequest = { type: 'task'; id: number; task: ExecutionTask };
export type WorkerReply = { type: 'ready' } | { type: 'verdict'; id: number; verdict: ExecutionVerdict };
