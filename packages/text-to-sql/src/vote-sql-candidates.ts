import type { AquilaError } from '@aquila/errors';
import { type CandidateResult, groupCandidates, type VoteEquality, voteEqualities } from '@aquila/sql-metrics';
import { QueryExecutionError, TextToSqlOptionsError, WriteRefusedError } from './errors.js';
import type { SqlCandidate } from './generate-sql-candidates.js';
import type { QueryResult, SqlDatabase } from './sql-database.js';

/** A candidate in a vote: what the model said, and what running it gave. */
export interface SqlVoteCandidate extends SqlCandidate {
  /** Why it failed to run (SQLite's error, the timeout, a refused write, no SQL); null when it ran. */
  error: string | null;
  /** Rows of its result; null when it failed. */
  rows: number | null;
  /** Milliseconds its query ran; null when it did not run. */
  executionMs: number | null;
}

/** A question's whole vote by execution. */
export interface SqlVote {
  equality: VoteEquality;
  candidates: SqlVoteCandidate[];
  /** Candidate indices of each group, in the order the groups formed, each group's first member first. */
  groups: number[][];
  /** Each group's size, in the order of `groups`. */
  sizes: number[];
  /** The winning group's index in `groups`; null when every candidate failed. */
  winner: number | null;
  /** The chosen candidate: the winning group's first member, or 0 when every candidate failed. */
  chosen: number;
  /** Milliseconds generating the candidates (all of them, from the request), and running them. */
  timings: { generationMs: number; executionMs: number };
}

/** What one query gave: its result, or the failure as an answer's error. */
export type QueryOutcome =
  | { result: QueryResult; error?: undefined }
  | { result?: undefined; error: { stage: 'execution'; code: string; message: string } };

/** Runs one answer's SQL read-only; query failures (SQLite errors, timeouts, refused writes) become its error. */
export async function runAnswerSql(options: {
  database: SqlDatabase;
  sql: string;
  maxRows?: number | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}): Promise<QueryOutcome> {
  try {
    return {
      result: await options.database.execute({
        sql: options.sql,
        ...(options.maxRows === undefined ? {} : { maxRows: options.maxRows }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    };
  } catch (error) {
    // Query failures are the answer's; option errors and aborts are the caller's.
    if (!(WriteRefusedError.isInstance(error) || QueryExecutionError.isInstance(error))) throw error;
    return {
      error: { stage: 'execution', code: (error as AquilaError).code, message: (error as AquilaError).message },
    };
  }
}

/** Checks a vote equality given at run time. */
export function checkVoteEquality(equality: VoteEquality): VoteEquality {
  if (!voteEqualities.includes(equality))
    throw new TextToSqlOptionsError(`unknown vote equality "${equality}"; use ${voteEqualities.join(', ')}.`);
  return equality;
}

/** Rows read of a candidate's result for the vote; a candidate with more counts as failed. */
const voteRowLimit = 100_000;

export interface VoteSqlCandidatesOptions {
  database: SqlDatabase;
  candidates: readonly SqlCandidate[];
  /** Default 'spider'. */
  equality?: VoteEquality;
  /** Milliseconds each candidate may run; default 10000. */
  timeoutMs?: number | undefined;
  /** Milliseconds the candidates took to generate, for the record. */
  generationMs?: number;
  signal?: AbortSignal | undefined;
}

/**
 * The vote by execution on a {@link SqlDatabase}: each candidate runs as written (read-only, timed out; the same
 * SQL once), failures are dropped and the rest grouped by @aquila/sql-metrics' `groupCandidates` rule. Returns the
 * vote and each candidate's outcome (the chosen one's rows are the answer's).
 */
export async function voteSqlCandidates(
  options: VoteSqlCandidatesOptions,
): Promise<{ vote: SqlVote; outcomes: QueryOutcome[] }> {
  const equality = checkVoteEquality(options.equality ?? 'spider');
  const started = performance.now();
  const runs = new Map<string, Promise<QueryOutcome>>();
  const outcomes = await Promise.all(
    options.candidates.map((candidate): Promise<QueryOutcome> => {
      if (!candidate.extracted)
        return Promise.resolve({
          error: { stage: 'execution', code: 'no-sql', message: "no SQL in the model's output" },
        });
      let run = runs.get(candidate.sql);
      if (run === undefined) {
        run = runAnswerSql({
          database: options.database,
          sql: candidate.sql,
          maxRows: voteRowLimit,
          timeoutMs: options.timeoutMs,
          signal: options.signal,
        });
        runs.set(candidate.sql, run);
      }
      return run;
    }),
  );
  const results = outcomes.map(
    (outcome): CandidateResult =>
      outcome.error !== undefined
        ? { ok: false, error: outcome.error.message }
        : outcome.result.truncated
          ? { ok: false, error: `more than ${voteRowLimit} rows` }
          : { ok: true, rows: outcome.result.rows },
  );
  const { groups, winner, chosen } = groupCandidates({ results, equality });
  const vote: SqlVote = {
    equality,
    candidates: options.candidates.map((candidate, index) => {
      const result = results[index] as CandidateResult;
      const outcome = outcomes[index] as QueryOutcome;
      return {
        ...candidate,
        error: result.ok ? null : result.error,
        rows: result.ok ? result.rows.length : null,
        executionMs: outcome.result === undefined ? null : outcome.result.elapsedMs,
      };
    }),
    groups,
    sizes: groups.map((group) => group.length),
    winner: winner ?? null,
    chosen,
    timings: { generationMs: options.generationMs ?? 0, executionMs: performance.now() - started },
  };
  return { vote, outcomes };
}
