import type { FinishReason } from '@aquila/runtime';
import { extractSql, parseSql, type SpiderSchema, type VoteEquality } from '@aquila/sql-metrics';
import { buildSqlPrompt, type SqlPromptTemplate } from './build-sql-prompt.js';
import { TextToSqlOptionsError } from './errors.js';
import { type SqlCandidate, type SqlCandidateEvent, streamSqlCandidates } from './generate-sql-candidates.js';
import {
  checkSampling,
  type SqlGenerationSettings,
  sqlGenerationPresets,
  sqlGenerationRequest,
} from './generation-settings.js';
import {
  checkRepairOptions,
  repairSql,
  type SqlRepairEvent,
  type SqlRepairOptions,
  type SqlRepairRound,
} from './repair-sql.js';
import { resolvePromptFormat } from './resolve-prompt-format.js';
import type { QueryResult, SqlDatabase } from './sql-database.js';
import type { TextToSqlModel, TokenUsage } from './text-to-sql-model.js';
import {
  checkVoteEquality,
  type QueryOutcome,
  runAnswerSql,
  type SqlVote,
  voteSqlCandidates,
} from './vote-sql-candidates.js';

export interface AskDatabaseOptions {
  model: TextToSqlModel;
  database: SqlDatabase;
  question: string;
  /** Default: the AquilaSQL Spider prompt. */
  template?: SqlPromptTemplate;
  /** Run the SQL on the database (read-only) and return its rows; default true. */
  execute?: boolean;
  /** Most rows returned; default 1000. */
  maxRows?: number;
  /** Milliseconds each query may run; default 10000. */
  timeoutMs?: number;
  /** Default: the greedy preset; with `samples` over 1, the sampled preset. */
  generation?: SqlGenerationSettings;
  /**
   * Candidates sampled (seeds seed + i) and voted by execution; default 1: one answer, no vote. More than one needs
   * a temperature above 0 and execution.
   */
  samples?: number;
  /** When two candidates' results are the same answer: 'spider' (default), 'bird' or 'exact'. */
  voteEquality?: VoteEquality;
  /** Repair rounds when the answer's SQL fails to run (every candidate failed, with samples); default none. */
  repair?: SqlRepairOptions;
  signal?: AbortSignal;
}

export interface SqlCheck {
  /** The extracted SQL; empty when none was found. */
  sql: string;
  /** An SQL block (or plain SQL) was found in the output. */
  extracted: boolean;
  /** The SQL parses in the Spider grammar against the database's schema. */
  parses: boolean;
  parseError?: string;
}

export type { TokenUsage };

/** What went wrong after generation: the SQL failed, timed out, or tried to write. */
export interface AskDatabaseError {
  stage: 'execution';
  code: string;
  message: string;
}

/**
 * The answer as it forms: `prompt`; the output (`text-delta`, or with samples each candidate's `candidate-delta`
 * and `candidate`, then the `vote`); `sql`, the answer's SQL checked; repair rounds (`repair-delta`, `repair`, then
 * `sql` again when one ran); `result` or `error`; `end`.
 */
export type AskDatabaseEvent =
  | { type: 'prompt'; prompt: string }
  | { type: 'text-delta'; text: string }
  | SqlCandidateEvent
  | { type: 'vote'; vote: SqlVote }
  | SqlRepairEvent
  | ({ type: 'sql' } & SqlCheck)
  | ({ type: 'result' } & QueryResult)
  | ({ type: 'error' } & AskDatabaseError)
  | { type: 'end'; finishReason: FinishReason; usage: TokenUsage };

export interface AskDatabaseResult extends SqlCheck {
  prompt: string;
  /** The answer's output: the model's, the chosen candidate's, or the repair round's whose SQL ran. */
  text: string;
  result?: QueryResult;
  error?: AskDatabaseError;
  /** The answer's finish reason. */
  finishReason: FinishReason;
  /** Tokens of every generation (candidates and repairs). */
  usage: TokenUsage;
  /** The vote, with samples over 1. */
  vote?: SqlVote;
  /** The repair rounds run, in order. */
  repairs?: SqlRepairRound[];
}

/** Extracts the SQL from a model's output (FlagAI's rule, plain SQL also accepted) and parses it against the schema. */
function checkSql(options: { text: string; schema: SpiderSchema }): SqlCheck {
  const extracted = extractSql({ text: options.text });
  if (extracted === undefined) return { sql: '', extracted: false, parses: false };
  try {
    parseSql({ sql: extracted.sql, schema: options.schema });
    return { sql: extracted.sql, extracted: true, parses: true };
  } catch (error) {
    return { sql: extracted.sql, extracted: true, parses: false, parseError: (error as Error).message };
  }
}

// The answer's rows capped at `maxRows` (a vote reads more of them).
function capped(outcome: QueryOutcome, maxRows: number): QueryOutcome {
  if (outcome.result === undefined || outcome.result.rows.length <= maxRows) return outcome;
  return { result: { ...outcome.result, rows: outcome.result.rows.slice(0, maxRows), truncated: true } };
}

const addUsage = (total: TokenUsage, usage: TokenUsage): TokenUsage => ({
  promptTokens: total.promptTokens + usage.promptTokens,
  completionTokens: total.completionTokens + usage.completionTokens,
});

interface Answer {
  text: string;
  check: SqlCheck;
  finishReason: FinishReason;
  usage: TokenUsage;
}

// The single answer's output, streamed.
async function* generateAnswer(
  options: AskDatabaseOptions,
  prompt: string,
  settings: SqlGenerationSettings,
): AsyncGenerator<AskDatabaseEvent, Answer> {
  const { model, signal } = options;
  const request = sqlGenerationRequest({
    prompt,
    settings,
    tokenizer: model.tokenizer,
    ...(signal === undefined ? {} : { signal }),
  });
  let text = '';
  let end: { finishReason: FinishReason; usage: TokenUsage } | undefined;
  for await (const event of model.stream(request)) {
    signal?.throwIfAborted();
    if (event.text !== '') {
      text += event.text;
      yield { type: 'text-delta', text: event.text };
    }
    if (event.type === 'generation-end')
      end = {
        finishReason: event.finishReason,
        usage: { promptTokens: event.promptTokenCount, completionTokens: event.completionTokenCount },
      };
  }
  if (end === undefined)
    throw new TextToSqlOptionsError(
      'the model stream ended without a generation-end event; is `model` a LanguageModel or an OpenAI-compatible client?',
    );
  return { text, check: checkSql({ text, schema: options.database.spiderSchema }), ...end };
}

// The candidates, streamed, and their vote; the chosen candidate is the answer.
async function* voteAnswer(
  options: AskDatabaseOptions,
  prompt: string,
  settings: SqlGenerationSettings,
  samples: number,
): AsyncGenerator<AskDatabaseEvent, { answer: Answer; outcome: QueryOutcome }> {
  const { signal } = options;
  const started = performance.now();
  const candidates: SqlCandidate[] = [];
  for await (const event of streamSqlCandidates({
    model: options.model,
    prompt,
    samples,
    generation: settings,
    ...(signal === undefined ? {} : { signal }),
  })) {
    if (event.type === 'candidate') candidates[event.candidate.index] = event.candidate;
    yield event;
  }
  const { vote, outcomes } = await voteSqlCandidates({
    database: options.database,
    candidates,
    ...(options.voteEquality === undefined ? {} : { equality: options.voteEquality }),
    timeoutMs: options.timeoutMs,
    generationMs: performance.now() - started,
    signal,
  });
  yield { type: 'vote', vote };
  const chosen = candidates[vote.chosen] as SqlCandidate;
  return {
    answer: {
      text: chosen.text,
      check: checkSql({ text: chosen.text, schema: options.database.spiderSchema }),
      finishReason: chosen.finishReason,
      usage: candidates.reduce((total, candidate) => addUsage(total, candidate.usage), {
        promptTokens: 0,
        completionTokens: 0,
      }),
    },
    outcome: outcomes[vote.chosen] as QueryOutcome,
  };
}

/**
 * Asks a database a question: the prompt from its real schema, the model's output as it streams, the
 * extracted SQL with its parse check, then (unless `execute` is false) its rows from a read-only connection.
 * With `samples`, several candidates are sampled and run, and the vote by execution picks the answer; with
 * `repair`, an answer whose SQL fails goes back to the model with its error. A failing query is an `error`
 * event, not an exception; bad options and model failures throw.
 */
export async function* streamAskDatabase(options: AskDatabaseOptions): AsyncGenerator<AskDatabaseEvent> {
  const { model, database, signal } = options;
  const samples = options.samples ?? 1;
  const repair = checkRepairOptions(options.repair);
  const generation = options.generation ?? (samples > 1 ? sqlGenerationPresets.sampled : sqlGenerationPresets.greedy);
  checkSampling({ samples, settings: generation });
  if (options.voteEquality !== undefined) checkVoteEquality(options.voteEquality);
  if (options.execute === false && (samples > 1 || repair !== undefined))
    throw new TextToSqlOptionsError(
      `${samples > 1 ? 'a vote of samples' : 'repair'} runs the SQL on the database: drop execute: false, or ask for one sample without repair.`,
    );
  // A chat model gets the prompt through its own chat template.
  const { settings, chatTemplate } = resolvePromptFormat({ model, settings: generation });
  const build = (withChat: boolean): string =>
    buildSqlPrompt({
      question: options.question,
      schema: database,
      ...(options.template === undefined ? {} : { template: options.template }),
      ...(withChat && chatTemplate !== undefined ? { chatTemplate } : {}),
    });
  const prompt = build(true);
  if (options.maxRows !== undefined && (!Number.isInteger(options.maxRows) || options.maxRows < 1))
    throw new TextToSqlOptionsError(`maxRows must be a positive integer, got ${options.maxRows}.`);
  const maxRows = options.maxRows ?? 1000;
  signal?.throwIfAborted();
  yield { type: 'prompt', prompt };

  let answer: Answer;
  let outcome: QueryOutcome;
  if (samples === 1) {
    answer = yield* generateAnswer(options, prompt, settings);
    yield { type: 'sql', ...answer.check };
    if (!answer.check.extracted || options.execute === false) {
      yield { type: 'end', finishReason: answer.finishReason, usage: answer.usage };
      return;
    }
    outcome = await runAnswerSql({ database, sql: answer.check.sql, maxRows, timeoutMs: options.timeoutMs, signal });
  } else {
    ({ answer, outcome } = yield* voteAnswer(options, prompt, settings, samples));
    yield { type: 'sql', ...answer.check };
  }

  let usage = answer.usage;
  if (outcome.error !== undefined && repair !== undefined && answer.check.extracted) {
    const rounds = repairSql<QueryOutcome>({
      model,
      settings,
      // A chat model's repair follows its answer in the chat: the user's message without the template.
      prompt: chatTemplate === undefined ? prompt : build(false),
      chatTemplate,
      failed: { sql: answer.check.sql, error: outcome.error.message, output: answer.text },
      repair,
      execute: async (sql, roundSignal) => {
        const repaired = await runAnswerSql({
          database,
          sql,
          maxRows,
          timeoutMs: options.timeoutMs,
          signal: roundSignal,
        });
        return {
          error: repaired.error?.message ?? null,
          rows: repaired.result?.rows.length ?? null,
          value: repaired,
        };
      },
      signal,
    });
    let step = await rounds.next();
    while (step.done !== true) {
      if (step.value.type === 'repair') usage = addUsage(usage, step.value.repair.usage);
      yield step.value;
      step = await rounds.next();
    }
    if (step.value !== undefined) {
      const { round, value } = step.value;
      answer = {
        ...answer,
        text: round.text,
        check: checkSql({ text: round.text, schema: database.spiderSchema }),
        finishReason: round.finishReason ?? answer.finishReason,
      };
      outcome = value as QueryOutcome;
      yield { type: 'sql', ...answer.check };
    }
  }
  outcome = capped(outcome, maxRows);
  if (outcome.result !== undefined) yield { type: 'result', ...outcome.result };
  else yield { type: 'error', ...outcome.error };
  yield { type: 'end', finishReason: answer.finishReason, usage };
}

/** {@link streamAskDatabase}, collected. */
export async function askDatabase(options: AskDatabaseOptions): Promise<AskDatabaseResult> {
  let prompt = '';
  let text = '';
  let check: SqlCheck = { sql: '', extracted: false, parses: false };
  let result: QueryResult | undefined;
  let failure: AskDatabaseError | undefined;
  let vote: SqlVote | undefined;
  const repairs: SqlRepairRound[] = [];
  for await (const event of streamAskDatabase(options)) {
    switch (event.type) {
      case 'prompt':
        prompt = event.prompt;
        break;
      case 'text-delta':
        text += event.text;
        break;
      case 'vote':
        vote = event.vote;
        text = (event.vote.candidates[event.vote.chosen] as SqlCandidate).text;
        break;
      case 'repair':
        repairs.push(event.repair);
        if (event.repair.error === null) text = event.repair.text;
        break;
      case 'sql': {
        const { type: _, ...rest } = event;
        check = rest;
        break;
      }
      case 'result': {
        const { type: _, ...rest } = event;
        result = rest;
        break;
      }
      case 'error': {
        const { type: _, ...rest } = event;
        failure = rest;
        break;
      }
      case 'end':
        return {
          prompt,
          text,
          ...check,
          ...(result === undefined ? {} : { result }),
          ...(failure === undefined ? {} : { error: failure }),
          finishReason: event.finishReason,
          usage: event.usage,
          ...(vote === undefined ? {} : { vote }),
          ...(repairs.length === 0 ? {} : { repairs }),
        };
    }
  }
  throw new TextToSqlOptionsError('the answer stream ended without an end event.');
}
