import type { AquilaError } from '@aquila/errors';
import type { FinishReason } from '@aquila/runtime';
import { extractSql, parseSql, type SpiderSchema } from '@aquila/sql-metrics';
import { buildSqlPrompt, type SqlPromptTemplate } from './build-sql-prompt.js';
import { QueryExecutionError, TextToSqlOptionsError, WriteRefusedError } from './errors.js';
import { type SqlGenerationSettings, sqlGenerationPresets, sqlGenerationRequest } from './generation-settings.js';
import { resolvePromptFormat } from './resolve-prompt-format.js';
import type { QueryResult, SqlDatabase } from './sql-database.js';
import type { TextToSqlModel } from './text-to-sql-model.js';

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
  /** Milliseconds the query may run; default 10000. */
  timeoutMs?: number;
  /** Default: the greedy preset. */
  generation?: SqlGenerationSettings;
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

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** What went wrong after generation: the SQL failed, timed out, or tried to write. */
export interface AskDatabaseError {
  stage: 'execution';
  code: string;
  message: string;
}

export type AskDatabaseEvent =
  | { type: 'prompt'; prompt: string }
  | { type: 'text-delta'; text: string }
  | ({ type: 'sql' } & SqlCheck)
  | ({ type: 'result' } & QueryResult)
  | ({ type: 'error' } & AskDatabaseError)
  | { type: 'end'; finishReason: FinishReason; usage: TokenUsage };

export interface AskDatabaseResult extends SqlCheck {
  prompt: string;
  /** The model's whole output. */
  text: string;
  result?: QueryResult;
  error?: AskDatabaseError;
  finishReason: FinishReason;
  usage: TokenUsage;
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

/**
 * Asks a database a question: the prompt from its real schema, the model's output as it streams, the
 * extracted SQL with its parse check, then (unless `execute` is false) its rows from a read-only connection.
 * A failing query is an `error` event, not an exception; bad options and model failures throw.
 */
export async function* streamAskDatabase(options: AskDatabaseOptions): AsyncGenerator<AskDatabaseEvent> {
  const { model, database, signal } = options;
  // A chat model gets the prompt through its own chat template.
  const { settings, chatTemplate } = resolvePromptFormat({
    model,
    settings: options.generation ?? sqlGenerationPresets.greedy,
  });
  const prompt = buildSqlPrompt({
    question: options.question,
    schema: database,
    ...(options.template === undefined ? {} : { template: options.template }),
    ...(chatTemplate === undefined ? {} : { chatTemplate }),
  });
  if (options.maxRows !== undefined && (!Number.isInteger(options.maxRows) || options.maxRows < 1))
    throw new TextToSqlOptionsError(`maxRows must be a positive integer, got ${options.maxRows}.`);
  signal?.throwIfAborted();
  yield { type: 'prompt', prompt };
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
  const check = checkSql({ text, schema: database.spiderSchema });
  yield { type: 'sql', ...check };
  if (check.extracted && options.execute !== false) {
    try {
      const result = await database.execute({
        sql: check.sql,
        ...(options.maxRows === undefined ? {} : { maxRows: options.maxRows }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(signal === undefined ? {} : { signal }),
      });
      yield { type: 'result', ...result };
    } catch (error) {
      // Query failures are the answer's; option errors and aborts are the caller's.
      if (!(WriteRefusedError.isInstance(error) || QueryExecutionError.isInstance(error))) throw error;
      yield {
        type: 'error',
        stage: 'execution',
        code: (error as AquilaError).code,
        message: (error as AquilaError).message,
      };
    }
  }
  yield { type: 'end', ...end };
}

/** {@link streamAskDatabase}, collected. */
export async function askDatabase(options: AskDatabaseOptions): Promise<AskDatabaseResult> {
  let prompt = '';
  let text = '';
  let check: SqlCheck = { sql: '', extracted: false, parses: false };
  let result: QueryResult | undefined;
  let failure: AskDatabaseError | undefined;
  for await (const event of streamAskDatabase(options)) {
    switch (event.type) {
      case 'prompt':
        prompt = event.prompt;
        break;
      case 'text-delta':
        text += event.text;
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
        };
    }
  }
  throw new TextToSqlOptionsError('the answer stream ended without an end event.');
}
