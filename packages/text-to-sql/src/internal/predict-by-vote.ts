// One benchmark question answered by a vote: candidates sampled, run through sql-metrics' ExecutionVoter (its pool
// and its (database, SQL) cache), the chosen one repaired when every candidate failed; the whole vote as one line
// of votes.jsonl.
import type { ChatTemplate } from '@aquila/prompts';
import type { ExecutionVoter } from '@aquila/sql-metrics';
import { generateSqlCandidates } from '../generate-sql-candidates.js';
import type { SqlGenerationSettings } from '../generation-settings.js';
import { repairSql, type SqlRepairOptions, type SqlRepairRound } from '../repair-sql.js';
import type { TextToSqlModel } from '../text-to-sql-model.js';

/** One line of votes.jsonl: a question's whole vote. */
export interface VoteLine {
  /** The question's index in the questions file. */
  i: number;
  db: string;
  equality: string;
  candidates: {
    index: number;
    seed: number;
    sql: string;
    extracted: boolean;
    output: string;
    finish_reason: string;
    completion_tokens: number;
    generation_ms: number;
    error: string | null;
    rows: number | null;
    ms: number | null;
    cached: boolean;
  }[];
  /** Candidate indices of each group, in the order the groups formed. */
  groups: number[][];
  /** Group sizes, in the order of `groups`. */
  sizes: number[];
  winner: number | null;
  chosen: number;
  /** Each candidate's error (null where it ran), as `aquila vote`'s per-item lines have them. */
  errors: (string | null)[];
  /** Where the answer comes from: the vote, or a repair round whose SQL ran. */
  answer: { from: 'vote' | 'repair'; sql: string };
  repairs: SqlRepairRound[];
  timings: { generation_ms: number; execution_ms: number; repair_ms: number };
  /** The run's settings fingerprint, as on raw_pred.jsonl's lines. */
  settings: string;
}

export interface VoteRun {
  model: TextToSqlModel;
  settings: SqlGenerationSettings;
  chatTemplate: ChatTemplate | undefined;
  samples: number;
  voter: ExecutionVoter;
  repair: SqlRepairOptions | undefined;
  fingerprint: string;
  signal: AbortSignal | undefined;
}

export interface VotedAnswer {
  output: string;
  sql: string;
  extracted: boolean;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  line: VoteLine;
}

/**
 * The question's answer by vote. `prompt` is as the model gets it; `userPrompt` the same before a chat model's
 * template (its repair follows the failing answer in the chat).
 */
export async function predictByVote(
  run: VoteRun,
  question: { id: number; databaseId: string; database: string },
  prompts: { prompt: string; userPrompt: string },
): Promise<VotedAnswer> {
  const { voter, signal } = run;
  const started = performance.now();
  const candidates = await generateSqlCandidates({
    model: run.model,
    prompt: prompts.prompt,
    samples: run.samples,
    generation: run.settings,
    ...(signal === undefined ? {} : { signal }),
  });
  const generationMs = performance.now() - started;
  const vote = await voter.vote({
    database: question.database,
    candidates: candidates.map((candidate) => (candidate.extracted ? candidate.sql : '')),
    ...(signal === undefined ? {} : { signal }),
  });
  const chosen = candidates[vote.chosen] as (typeof candidates)[number];
  let answer = { output: chosen.text, sql: chosen.sql, extracted: chosen.extracted, finishReason: chosen.finishReason };
  let from: 'vote' | 'repair' = 'vote';
  const repairs: SqlRepairRound[] = [];
  const repairStarted = performance.now();
  if (vote.winner === null && run.repair !== undefined && chosen.extracted) {
    const rounds = repairSql({
      model: run.model,
      settings: run.settings,
      prompt: run.chatTemplate === undefined ? prompts.prompt : prompts.userPrompt,
      chatTemplate: run.chatTemplate,
      failed: { sql: chosen.sql, error: vote.candidates[vote.chosen]?.error ?? 'failed', output: chosen.text },
      repair: run.repair,
      execute: async (sql, roundSignal) => {
        const single = await voter.vote({ database: question.database, candidates: [sql], signal: roundSignal });
        return { error: single.candidates[0]?.error ?? null, rows: single.candidates[0]?.rows ?? null };
      },
      signal,
    });
    let step = await rounds.next();
    while (step.done !== true) {
      if (step.value.type === 'repair') repairs.push(step.value.repair);
      step = await rounds.next();
    }
    if (step.value !== undefined) {
      const { round } = step.value;
      answer = { output: round.text, sql: round.sql, extracted: true, finishReason: round.finishReason ?? 'stop' };
      from = 'repair';
    }
  }
  const usage = [...candidates.map((candidate) => candidate.usage), ...repairs.map((round) => round.usage)];
  return {
    ...answer,
    promptTokens: usage.reduce((sum, item) => sum + item.promptTokens, 0),
    completionTokens: usage.reduce((sum, item) => sum + item.completionTokens, 0),
    line: {
      i: question.id,
      db: question.databaseId,
      equality: vote.equality,
      candidates: candidates.map((candidate, index) => {
        const voted = vote.candidates[index];
        return {
          index,
          seed: candidate.seed,
          sql: candidate.sql,
          extracted: candidate.extracted,
          output: candidate.text,
          finish_reason: candidate.finishReason,
          completion_tokens: candidate.usage.completionTokens,
          generation_ms: Math.round(candidate.ms),
          error: voted?.error ?? null,
          rows: voted?.rows ?? null,
          ms: voted?.ms === null || voted?.ms === undefined ? null : Number(voted.ms.toFixed(3)),
          cached: voted?.cached ?? false,
        };
      }),
      groups: vote.groups,
      sizes: vote.groups.map((group) => group.length),
      winner: vote.winner,
      chosen: vote.chosen,
      errors: vote.candidates.map(({ error }) => error),
      answer: { from, sql: answer.sql },
      repairs,
      timings: {
        generation_ms: Math.round(generationMs),
        execution_ms: Number(vote.ms.toFixed(3)),
        repair_ms: repairs.length === 0 ? 0 : Math.round(performance.now() - repairStarted),
      },
      settings: run.fingerprint,
    },
  };
}
