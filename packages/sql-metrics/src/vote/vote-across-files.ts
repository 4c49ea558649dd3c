import { join } from 'node:path';
import { BadLinePolicy } from '@aquila/files';
import { evaluateBird, linePredictions } from '../bird/evaluate-bird.js';
import { parseBirdGold } from '../bird/gold-file.js';
import { parseBirdPredictions } from '../bird/prediction-file.js';
import { EvaluationInputError } from '../errors.js';
import { evaluateAll } from '../evaluate.js';
import { readQuestions, readTablesJson, readUtf8 } from '../read-inputs.js';
import { type ExecutionVote, ExecutionVoter } from './execution-voter.js';
import type { VoteEquality } from './vote-equality.js';

export interface VoteAcrossFilesOptions {
  /** Gold file: `SQL<TAB>db_id` a line. */
  gold: string;
  /** Prediction files of the systems, in vote order (ties go to the earlier file): Spider one SQL a line; BIRD the official JSON or one SQL a line. */
  preds: readonly string[];
  /** Database folder: `<db>/<db_id>/<db_id>.sqlite`. */
  db: string;
  /** 'spider' (default) or 'bird': how the files are read and which official EX scores them. */
  benchmark?: 'spider' | 'bird';
  /** Spider's tables.json (Spider's official EX needs it). */
  tables?: string;
  /** When two results are one answer; default 'spider' for Spider, 'bird' for BIRD. */
  equality?: VoteEquality;
  /** Execution processes or threads. */
  workers?: number;
  /** Per-query timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  /** 'auto' (default): native SQLite where its result is provably sql.js's; 'sql.js': sql.js only. */
  engine?: 'auto' | 'sql.js';
  /** Called as votes finish, with the count done and the total. */
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

/** One question's vote across the systems, with the official EX of each answer. */
export interface VoteItem {
  /** 0-based position in the gold and prediction files. */
  i: number;
  db_id: string;
  /** 0-based index of the prediction file whose answer was chosen. */
  chosen: number;
  /** Group sizes, largest first. */
  groups: number[];
  /** Each group's prediction-file indices, in the order the groups formed (the vote's record). */
  members: number[][];
  /** Each candidate's error (null when it ran), by prediction file. */
  errors: (string | null)[];
  /** Each candidate's query time in milliseconds (null where it did not run here), by prediction file. */
  ms: (number | null)[];
  /** Each candidate's result came from the cache (its SQL ran before on this database), by prediction file. */
  cached: boolean[];
  /** The chosen answer's official EX: the chosen system's verdict on this question. */
  ex: 0 | 1;
  /** Each system's official EX on this question, by prediction file. */
  system_ex: (0 | 1)[];
  /** The chosen SQL. */
  sql: string;
}

export interface VoteSummary {
  benchmark: 'spider' | 'bird';
  equality: VoteEquality;
  questions: number;
  /** Each system's official EX (percent) and correct count, in prediction-file order. */
  systems: { pred: string; ex: number; correct: number }[];
  /** The vote's EX (percent) and correct count. */
  vote: { ex: number; correct: number };
  /** Questions some system answers correctly (percent): the most any choice among them could score. */
  oracle: number;
  /** Questions where every candidate failed (the first file's answer is taken). */
  allFailed: number;
  /** Queries run, and candidates answered from the (database, SQL) cache. */
  executions: number;
  cacheHits: number;
  /** Wall seconds of the vote itself (not the scoring). */
  seconds: number;
}

interface Question {
  dbId: string;
  candidates: string[];
}

// Questions in one vote at a time: enough to keep every worker busy, few enough to bound the results held.
const window = 64;

async function readSpider(options: VoteAcrossFilesOptions, tablesPath: string): Promise<Question[]> {
  const tables = await readTablesJson(tablesPath, options.signal);
  const files: { database: string; pred: string }[][] = [];
  for (const pred of options.preds)
    files.push(
      await readQuestions({
        gold: options.gold,
        pred,
        tables,
        tablesPath,
        raw: false,
        badLines: new BadLinePolicy(),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    );
  return (files[0] ?? []).map((question, index) => ({
    dbId: question.database,
    candidates: files.map((file) => file[index]?.pred ?? ''),
  }));
}

async function readBird(options: VoteAcrossFilesOptions): Promise<Question[]> {
  const gold = parseBirdGold(await readUtf8('gold', options.gold, options.signal), options.gold);
  const files: { sql: string }[][] = [];
  for (const pred of options.preds) {
    const text = await readUtf8('pred', pred, options.signal);
    const predictions = text.trimStart().startsWith('{') ? parseBirdPredictions(text, pred) : linePredictions(text);
    if (predictions.length !== gold.length)
      throw new EvaluationInputError(
        `${pred} has ${predictions.length} predictions but ${options.gold} has ${gold.length} gold queries; they must align by position`,
      );
    files.push(predictions);
  }
  return gold.map(({ dbId }, index) => ({ dbId, candidates: files.map((file) => file[index]?.sql ?? '') }));
}

// Each system's official per-question EX; the inputs are checked here, before any vote runs.
async function scoreSystems(options: VoteAcrossFilesOptions, tables: string | undefined): Promise<(0 | 1)[][]> {
  const shared = {
    gold: options.gold,
    db: options.db,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.engine === undefined ? {} : { engine: options.engine }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const scores: (0 | 1)[][] = [];
  for (const pred of options.preds) {
    if (tables === undefined) {
      const { items } = await evaluateBird({ ...shared, pred, metrics: ['ex'] });
      scores.push(items.map((item) => item.ex ?? 0));
    } else {
      const { items } = await evaluateAll({ ...shared, pred, tables, etype: 'exec' });
      scores.push(items.map((item) => item.exec ?? 0));
    }
  }
  return scores;
}

const percent = (count: number, total: number): number => (total === 0 ? 0 : (100 * count) / total);

/**
 * Votes across several systems' prediction files by execution (see {@link ExecutionVoter}) and scores the chosen
 * answers with the benchmark's official EX beside each system's. The chosen answer is one system's prediction as
 * written, so its verdict is that system's official verdict on the question.
 */
export async function voteAcrossFiles(
  options: VoteAcrossFilesOptions,
): Promise<{ items: VoteItem[]; summary: VoteSummary }> {
  const benchmark = options.benchmark ?? 'spider';
  if (options.preds.length === 0) throw new EvaluationInputError('give at least one prediction file to vote across');
  if (benchmark === 'spider' && options.tables === undefined)
    throw new EvaluationInputError("Spider's official EX needs tables.json: give --tables");
  const tables = benchmark === 'spider' ? options.tables : undefined;
  const systemEx = await scoreSystems(options, tables);
  const questions = tables === undefined ? await readBird(options) : await readSpider(options, tables);
  const equality = options.equality ?? (benchmark === 'bird' ? 'bird' : 'spider');
  const voter = new ExecutionVoter({
    equality,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.engine === undefined ? {} : { engine: options.engine }),
  });
  const votes: ExecutionVote[] = [];
  const started = performance.now();
  let next = 0;
  let done = 0;
  try {
    const lane = async (): Promise<void> => {
      while (next < questions.length) {
        const index = next++;
        const question = questions[index] as Question;
        votes[index] = await voter.vote({
          database: join(options.db, question.dbId, `${question.dbId}.sqlite`),
          candidates: question.candidates,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        done += 1;
        options.onProgress?.({ done, total: questions.length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(window, questions.length) }, lane));
  } finally {
    await voter.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const items = votes.map((vote, index): VoteItem => {
    const system_ex = systemEx.map((scores) => scores[index] ?? 0);
    return {
      i: index,
      db_id: (questions[index] as Question).dbId,
      chosen: vote.chosen,
      groups: vote.groups.map((group) => group.length).sort((a, b) => b - a),
      members: vote.groups,
      errors: vote.candidates.map(({ error }) => error),
      ms: vote.candidates.map(({ ms }) => ms),
      cached: vote.candidates.map(({ cached }) => cached),
      ex: system_ex[vote.chosen] ?? 0,
      system_ex,
      sql: (vote.candidates[vote.chosen] as { sql: string }).sql,
    };
  });
  const total = items.length;
  const correct = items.filter((item) => item.ex === 1).length;
  return {
    items,
    summary: {
      benchmark,
      equality,
      questions: total,
      systems: options.preds.map((pred, system) => {
        const count = items.filter((item) => item.system_ex[system] === 1).length;
        return { pred, ex: percent(count, total), correct: count };
      }),
      vote: { ex: percent(correct, total), correct },
      oracle: percent(items.filter((item) => item.system_ex.includes(1)).length, total),
      allFailed: votes.filter((vote) => vote.winner === null).length,
      ...voter.counts,
      seconds,
    },
  };
}
