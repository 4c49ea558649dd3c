import { ExecutionPool } from '../execution-pool.js';
import { isBlankSql } from '../internal/sql-lexer.js';
import { type CandidateResult, groupCandidates } from './group-candidates.js';
import type { VoteEquality } from './vote-equality.js';

export interface ExecutionVoterOptions {
  /** When two results count as one answer (default 'spider'). */
  equality?: VoteEquality;
  /** A pool to run the candidates on (kept open by `close`), instead of one started here. */
  pool?: ExecutionPool;
  /** Execution processes or threads of the pool started here. */
  workers?: number;
  /** Milliseconds one candidate may run before it counts as failed ('timeout'). Default 30000. */
  timeoutMs?: number;
  /** 'auto' (default): native SQLite where its result is provably sql.js's; 'sql.js': sql.js only. */
  engine?: 'auto' | 'sql.js';
  /** A candidate with more result rows than this counts as failed. Default 1,000,000. */
  maxRows?: number;
  /** Results kept by (database, SQL), the least recently used dropped first (no rows over 10,000, a digest always). Default 4096. */
  cacheSize?: number;
}

/** One candidate in a vote, as recorded. */
export interface VoteCandidate {
  sql: string;
  /** Why it failed (the SQLite error, `timeout: …`, no SQL); null when it ran. */
  error: string | null;
  /** Rows in its result; null when it failed. */
  rows: number | null;
  /** Milliseconds its query ran; null where it did not run here (failed before running, or timed out). */
  ms: number | null;
  /** Its result came from the cache (the same SQL on the same database ran before). */
  cached: boolean;
}

/** A question's whole vote. */
export interface ExecutionVote {
  database: string;
  equality: VoteEquality;
  candidates: VoteCandidate[];
  /** Candidate indices of each group, in the order the groups formed, each group's first member first. */
  groups: number[][];
  /** The winning group's index in `groups`; null when every candidate failed. */
  winner: number | null;
  /** The chosen candidate's index: the winning group's first member, or 0 when every candidate failed. */
  chosen: number;
  /** Wall milliseconds of the whole vote. */
  ms: number;
}

interface Execution {
  result: CandidateResult;
  rows: number | null;
  ms: number | null;
}

// Results with more rows, where the worker sent rows, are not kept in the cache (BIRD's can have millions).
const largestCached = 10_000;

// A blank text "runs" on SQLite with no rows, which would agree with every empty result: it is no answer.
const noSql: Execution = {
  result: { ok: false, error: 'no SQL to run: the candidate is empty or only comments' },
  rows: null,
  ms: null,
};

/**
 * Votes by execution: runs each question's candidates (read-only, timed out, as written) in parallel on an
 * execution pool, groups them by result and chooses one by the rule of {@link groupCandidates}. Results are cached
 * by (database, SQL), so a candidate repeated within or across questions runs once.
 */
export class ExecutionVoter {
  private readonly pool: ExecutionPool;
  private readonly ownsPool: boolean;
  private readonly cache = new Map<string, Promise<Execution>>();
  private readonly equality: VoteEquality;
  private readonly maxRows: number;
  private readonly cacheSize: number;
  private executed = 0;
  private hits = 0;

  constructor(options: ExecutionVoterOptions = {}) {
    this.equality = options.equality ?? 'spider';
    this.maxRows = options.maxRows ?? 1_000_000;
    this.cacheSize = options.cacheSize ?? 4096;
    this.ownsPool = options.pool === undefined;
    this.pool =
      options.pool ??
      new ExecutionPool({
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.engine === undefined ? {} : { engine: options.engine }),
      });
  }

  /** Queries run so far, and candidates answered from the cache. */
  get counts(): { executions: number; cacheHits: number } {
    return { executions: this.executed, cacheHits: this.hits };
  }

  private async execute(database: string, sql: string): Promise<Execution> {
    this.executed += 1;
    const verdict = await this.pool.run({
      databases: [database],
      gold: '',
      preds: [sql],
      orderMatters: false,
      returnRows: true,
      asWritten: true,
      // The worker compares: it sends the result's digest, not its rows.
      digest: this.equality,
      maxRows: this.maxRows,
    });
    const ms = verdict.ms ?? null;
    if (verdict.digest !== undefined)
      return { result: { ok: true, rows: [], digest: verdict.digest.value }, rows: verdict.digest.rows, ms };
    const result = verdict.result;
    if (result === undefined) return { result: { ok: false, error: verdict.reason ?? 'error' }, rows: null, ms };
    if (result.truncated) return { result: { ok: false, error: `more than ${this.maxRows} rows` }, rows: null, ms };
    return { result: { ok: true, rows: result.rows }, rows: result.rows.length, ms };
  }

  private run(database: string, sql: string): { execution: Promise<Execution>; cached: boolean } {
    if (isBlankSql(sql)) return { execution: Promise.resolve(noSql), cached: false };
    const key = `${database}\u0000${sql}`;
    const known = this.cache.get(key);
    if (known !== undefined) {
      this.hits += 1;
      // Used again: it becomes the newest entry.
      this.cache.delete(key);
      this.cache.set(key, known);
      return { execution: known, cached: true };
    }
    const execution = this.execute(database, sql);
    // A failure of the pool itself is no result, and a large result's rows are not worth their memory (its
    // digest is): the next vote runs it.
    const forget = (): void => {
      if (this.cache.get(key) === execution) this.cache.delete(key);
    };
    execution.then(({ result, rows }) => {
      if (result.ok && result.digest === undefined && (rows ?? 0) > largestCached) forget();
    }, forget);
    this.cache.set(key, execution);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    return { execution, cached: false };
  }

  /** Runs the candidates on `database` and votes. */
  async vote(options: {
    database: string;
    candidates: readonly string[];
    signal?: AbortSignal;
  }): Promise<ExecutionVote> {
    const { database, candidates, signal } = options;
    signal?.throwIfAborted();
    const started = performance.now();
    const runs = candidates.map((sql) => this.run(database, sql));
    const executions = await Promise.all(runs.map(({ execution }) => execution));
    signal?.throwIfAborted();
    const { groups, winner, chosen } = groupCandidates({
      results: executions.map(({ result }) => result),
      equality: this.equality,
    });
    return {
      database,
      equality: this.equality,
      candidates: executions.map(({ result, rows, ms }, index) => ({
        sql: candidates[index] as string,
        error: result.ok ? null : result.error,
        rows,
        ms,
        cached: (runs[index] as { cached: boolean }).cached,
      })),
      groups,
      winner: winner ?? null,
      chosen,
      ms: performance.now() - started,
    };
  }

  /** Closes the pool started here (a pool given in the options stays open). */
  async close(): Promise<void> {
    this.cache.clear();
    if (this.ownsPool) await this.pool.close();
  }
}
