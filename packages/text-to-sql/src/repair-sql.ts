import type { ChatTemplate } from '@aquila/prompts';
import type { FinishReason } from '@aquila/runtime';
import { extractSql } from '@aquila/sql-metrics';
import { EndpointError, TextToSqlOptionsError } from './errors.js';
import { type SqlGenerationSettings, sqlGenerationRequest } from './generation-settings.js';
import type { TextToSqlModel, TokenUsage } from './text-to-sql-model.js';

/**
 * The repair request, with `{sql}` (the SQL that failed) and `{error}` (SQLite's error, or the timeout) filled in.
 * A completion model gets the question's prompt, a blank line, this text and a newline; a chat model gets it as
 * the next user message after its own failing answer, through its chat template.
 */
export const sqlRepairTemplate = [
  'The SQL below failed on the SQLite database.',
  '```sql',
  '{sql}',
  '```',
  'Error: {error}',
  'Write the corrected SQL, which must run on this database and answer the question, in one ```sql block.',
].join('\n');

export interface BuildSqlRepairPromptOptions {
  /**
   * The question's prompt: as the model got it for a completion model; for a chat model, the user's message before
   * its chat template (`buildSqlPrompt` without `chatTemplate`).
   */
  prompt: string;
  /** The SQL that failed, and why. */
  sql: string;
  error: string;
  /** A chat model's template: the repair follows the model's failing answer as the next user message. */
  chatTemplate?: ChatTemplate;
  /** The model's failing answer (the assistant's turn of a chat); default the SQL in a ```sql block. */
  output?: string;
}

/** The prompt that sends a failing SQL and its error back to the model ({@link sqlRepairTemplate}). */
export function buildSqlRepairPrompt(options: BuildSqlRepairPromptOptions): string {
  // One pass: an error that quotes "{sql}" is not substituted again.
  const request = sqlRepairTemplate.replace(/\{(sql|error)\}/g, (_, name: string) =>
    name === 'sql' ? options.sql.trim() : options.error.trim(),
  );
  if (options.chatTemplate === undefined) return `${options.prompt.trimEnd()}\n\n${request}\n`;
  return options.chatTemplate.render(
    [
      { role: 'user', content: options.prompt },
      { role: 'assistant', content: options.output ?? `\`\`\`sql\n${options.sql.trim()}\n\`\`\`` },
      { role: 'user', content: request },
    ],
    { addGenerationPrompt: true },
  );
}

/** Repair rounds for an answer whose SQL fails to run. */
export interface SqlRepairOptions {
  /** Most rounds; 0 turns repair off. */
  rounds: number;
  /** Milliseconds all rounds together may take (generation and execution); a round cut short ends the repair. */
  timeBudgetMs?: number;
}

/** One repair round, as recorded. */
export interface SqlRepairRound {
  /** 1-based. */
  round: number;
  /** The SQL sent back, and its error. */
  failedSql: string;
  failedError: string;
  /** The model's answer, and the SQL extracted from it (empty when none). */
  text: string;
  sql: string;
  extracted: boolean;
  /** Why the repaired SQL failed (or no SQL, or the time budget ran out); null when it ran. */
  error: string | null;
  /** Rows of the repaired SQL's result; null when it failed. */
  rows: number | null;
  finishReason: FinishReason | null;
  usage: TokenUsage;
  /** Milliseconds of the round: generation and execution. */
  ms: number;
}

/** What repairs yield: each round's text as it comes, then the round. */
export type SqlRepairEvent =
  | { type: 'repair-delta'; round: number; text: string }
  | { type: 'repair'; repair: SqlRepairRound };

/** Checks repair options; undefined or 0 rounds means no repair. */
export function checkRepairOptions(repair: SqlRepairOptions | undefined): SqlRepairOptions | undefined {
  if (repair === undefined) return undefined;
  if (!Number.isInteger(repair.rounds) || repair.rounds < 0 || repair.rounds > 16)
    throw new TextToSqlOptionsError(`repair rounds must be an integer from 0 to 16, got ${repair.rounds}.`);
  if (repair.timeBudgetMs !== undefined && !(Number.isFinite(repair.timeBudgetMs) && repair.timeBudgetMs > 0))
    throw new TextToSqlOptionsError(
      `the repair time budget must be a positive number of milliseconds, got ${repair.timeBudgetMs}.`,
    );
  return repair.rounds === 0 ? undefined : repair;
}

/** What running a repaired SQL gave: its error or row count, and whatever the caller keeps of it. */
interface RepairExecution<Value> {
  error: string | null;
  rows: number | null;
  value?: Value;
}

export interface RepairSqlOptions<Value> {
  model: TextToSqlModel;
  /** The settings the question was asked with, resolved ({@link resolvePromptFormat}). */
  settings: SqlGenerationSettings;
  /** The question's prompt as for {@link buildSqlRepairPrompt}. */
  prompt: string;
  chatTemplate?: ChatTemplate | undefined;
  /** The answer that failed. */
  failed: { sql: string; error: string; output: string };
  repair: SqlRepairOptions;
  /** Runs a repaired SQL on the question's database (read-only, timed out). */
  execute: (sql: string, signal: AbortSignal) => Promise<RepairExecution<Value>>;
  signal?: AbortSignal | undefined;
}

/**
 * Repair rounds: each sends the failing SQL and its error back to the model ({@link buildSqlRepairPrompt}), runs
 * the SQL of its answer, and stops at the first that runs, after `rounds`, or when the time budget runs out.
 * Returns the round that ran, with the caller's value of its execution; undefined when none did.
 */
export async function* repairSql<Value>(
  options: RepairSqlOptions<Value>,
): AsyncGenerator<SqlRepairEvent, { round: SqlRepairRound; value: Value | undefined } | undefined> {
  const { model, repair, signal } = options;
  const started = performance.now();
  let failed = options.failed;
  for (let round = 1; round <= repair.rounds; round += 1) {
    const remaining = (repair.timeBudgetMs ?? Number.POSITIVE_INFINITY) - (performance.now() - started);
    if (remaining <= 0) return undefined;
    const budget = Number.isFinite(remaining) ? AbortSignal.timeout(Math.ceil(remaining)) : undefined;
    const roundSignal =
      budget === undefined
        ? (signal ?? new AbortController().signal)
        : signal === undefined
          ? budget
          : AbortSignal.any([signal, budget]);
    const roundStarted = performance.now();
    const prompt = buildSqlRepairPrompt({
      prompt: options.prompt,
      sql: failed.sql,
      error: failed.error,
      output: failed.output,
      ...(options.chatTemplate === undefined ? {} : { chatTemplate: options.chatTemplate }),
    });
    let text = '';
    let end: { finishReason: FinishReason; usage: TokenUsage } | undefined;
    const overBudget = (): boolean => budget?.aborted === true && signal?.aborted !== true;
    try {
      for await (const event of model.stream(
        sqlGenerationRequest({ prompt, settings: options.settings, tokenizer: model.tokenizer, signal: roundSignal }),
      )) {
        signal?.throwIfAborted();
        if (overBudget()) break;
        if (event.text !== '') {
          text += event.text;
          yield { type: 'repair-delta', round, text: event.text };
        }
        if (event.type === 'generation-end')
          end = {
            finishReason: event.finishReason,
            usage: { promptTokens: event.promptTokenCount, completionTokens: event.completionTokenCount },
          };
      }
    } catch (error) {
      if (!overBudget()) throw error;
    }
    const record = (fields: Pick<SqlRepairRound, 'sql' | 'extracted' | 'error' | 'rows'>): SqlRepairRound => ({
      round,
      failedSql: failed.sql,
      failedError: failed.error,
      text,
      ...fields,
      finishReason: end?.finishReason ?? null,
      usage: end?.usage ?? { promptTokens: 0, completionTokens: 0 },
      ms: performance.now() - roundStarted,
    });
    if (end === undefined) {
      if (!overBudget()) throw new EndpointError('the model stream ended without a generation-end event.');
      const error = `the repair time budget of ${repair.timeBudgetMs} ms ran out`;
      yield { type: 'repair', repair: record({ sql: '', extracted: false, error, rows: null }) };
      return undefined;
    }
    const extracted = extractSql({ text });
    if (extracted === undefined) {
      const error = "no SQL in the model's answer";
      yield { type: 'repair', repair: record({ sql: '', extracted: false, error, rows: null }) };
      failed = { ...failed, output: text };
      continue;
    }
    let execution: RepairExecution<Value>;
    try {
      execution = await options.execute(extracted.sql, roundSignal);
    } catch (error) {
      if (!overBudget()) throw error;
      execution = { error: `the repair time budget of ${repair.timeBudgetMs} ms ran out`, rows: null };
    }
    signal?.throwIfAborted();
    const repaired = record({ sql: extracted.sql, extracted: true, error: execution.error, rows: execution.rows });
    yield { type: 'repair', repair: repaired };
    if (execution.error === null) return { round: repaired, value: execution.value };
    failed = { sql: extracted.sql, error: execution.error, output: text };
  }
  return undefined;
}
