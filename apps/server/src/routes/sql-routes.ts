import {
  type AskDatabaseEvent,
  askDatabase,
  SqlDatabase,
  type SqlPromptTemplate,
  sqlGenerationPreset,
  streamAskDatabase,
  type TextToSqlModel,
} from '@aquila/text-to-sql';
import type { Hono } from 'hono';
import { RequestError } from '../errors.js';
import { type JsonObject, RequestFields, readJsonObject } from '../request-fields.js';
import { type Admission, admit, generate, primed, type ServerState, streamingResponse } from '../server-state.js';

function template(body: JsonObject): SqlPromptTemplate | undefined {
  const value = body.template;
  if (value === undefined || value === null || value === 'spider' || value === 'wikisql') return value ?? undefined;
  if (typeof value === 'object' && typeof (value as { text?: unknown }).text === 'string')
    return { text: (value as { text: string }).text };
  throw new RequestError(400, '"template" must be "spider", "wikisql" or {"text": "… {question} …"}.');
}

/** The database a request names (registered with --db), or a temporary one built from its `ddl`. */
async function database(
  state: ServerState,
  fields: RequestFields,
  signal: AbortSignal,
): Promise<{ database: SqlDatabase; temporary: boolean }> {
  const name = fields.string('database', { nonEmpty: true });
  const ddl = fields.string('ddl', { nonEmpty: true });
  if ((name === undefined) === (ddl === undefined))
    throw new RequestError(
      400,
      'send exactly one of "database" (a name registered with --db) and "ddl" (CREATE TABLE statements).',
    );
  if (ddl !== undefined) return { database: await SqlDatabase.fromDdl({ ddl, name: 'ddl', signal }), temporary: true };
  const registered = state.databases.get(name as string);
  if (!registered) {
    const known = [...state.databases.keys()];
    throw new RequestError(
      404,
      `no database "${name}"; ${known.length > 0 ? `registered: ${known.join(', ')}` : 'none is registered (start the server with --db NAME=FILE.sqlite)'}, or send "ddl".`,
    );
  }
  return { database: registered, temporary: false };
}

/** Server-sent events named after each answer event: `event: sql\ndata: {…}`. */
async function* answerEvents(
  events: AsyncGenerator<AskDatabaseEvent>,
  cleanup: () => Promise<void>,
): AsyncGenerator<string> {
  try {
    for await (const { type, ...data } of events) yield `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  } catch (error) {
    yield `event: error\ndata: ${JSON.stringify({ stage: 'generation', code: (error as { code?: string }).code ?? 'AQUILA_SERVER_ERROR', message: (error as Error).message })}\n\n`;
  } finally {
    await cleanup();
  }
}

/** `GET /v1/databases` (for the playground) and `POST /v1/sql`: a question and a database to checked SQL and its rows. */
export function registerSqlRoutes(app: Hono, state: ServerState): void {
  app.get('/v1/databases', (c) =>
    c.json({
      data: [...state.databases.values()].map((entry) => ({
        name: entry.name,
        tables: entry.tables.map((table) => ({
          name: table.name,
          columns: table.columns.map((column) => column.name),
        })),
      })),
    }),
  );

  app.post('/v1/sql', async (c) => {
    const body = await readJsonObject(c.req.raw);
    const fields = new RequestFields(body);
    const question = fields.string('question', { required: true, nonEmpty: true }) as string;
    const preset = sqlGenerationPreset(fields.string('preset') ?? 'greedy');
    const maxTokens = fields.number('max_tokens', { integer: true, min: 1 });
    const options = {
      question,
      template: template(body),
      execute: fields.boolean('execute') ?? true,
      maxRows: fields.number('max_rows', { integer: true, min: 1, max: 10_000 }) ?? 1000,
      timeoutMs: fields.number('timeout_ms', { integer: true, min: 1, max: 60_000 }) ?? 10_000,
      generation: maxTokens === undefined ? preset : { ...preset, maxNewTokens: maxTokens },
    };
    const stream = fields.boolean('stream') ?? false;
    const admission: Admission = admit(state, c.req.raw);
    let target: { database: SqlDatabase; temporary: boolean } | undefined;
    let cleaned = false;
    const cleanup = async (): Promise<void> => {
      admission.release();
      if (cleaned) return;
      cleaned = true;
      if (target?.temporary) await target.database.close();
    };
    try {
      target = await database(state, fields, admission.controller.signal);
      // The model as text-to-sql sees it: the runtime's, under this request's admission and metrics.
      const model: TextToSqlModel = {
        tokenizer: state.model.tokenizer,
        stream: (request) => generate(state, admission, request),
      };
      const ask = { ...options, model, database: target.database, signal: admission.controller.signal };
      if (!stream) return c.json({ database: target.database.name, ...(await askDatabase(ask)) });
      const events = await primed(streamAskDatabase(ask));
      return streamingResponse(answerEvents(events, cleanup), admission, 'text/event-stream; charset=utf-8');
    } catch (error) {
      await cleanup();
      throw error;
    } finally {
      if (!stream) await cleanup();
    }
  });
}
