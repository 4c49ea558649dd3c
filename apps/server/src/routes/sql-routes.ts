import {
  type AskDatabaseEvent,
  type AskDatabaseOptions,
  askDatabase,
  SqlDatabase,
  type SqlGenerationSettings,
  type SqlPromptTemplate,
  sqlGenerationPreset,
  streamAskDatabase,
  type TextToSqlModel,
} from '@aquila/text-to-sql';
import type { Hono } from 'hono';
import * as v from 'valibot';
import { RequestError } from '../errors.js';
import {
  booleanField,
  fieldsSchema,
  mustBe,
  numberField,
  numberSchema,
  readFields,
  readJsonObject,
  requiredText,
  textField,
} from '../request-body.js';
import {
  type Admission,
  admit,
  generate,
  generateChoices,
  primed,
  type ServerState,
  streamingResponse,
} from '../server-state.js';

const templateMessage = 'must be "spider", "wikisql" or {"text": "… {question} …"}';

/** The most candidates one question may ask for: each takes a place in the batch, as OpenAI's `n` does. */
const maxSamples = 16;

type VoteEquality = NonNullable<AskDatabaseOptions['voteEquality']>;
const voteEqualities = ['spider', 'bird', 'exact'] as const satisfies readonly VoteEquality[];

/** The fields of `POST /v1/sql`. */
const sqlFields = {
  question: requiredText,
  preset: textField(),
  max_tokens: numberField({ integer: true, min: 1 }),
  template: v.optional(
    v.message(v.union([v.picklist(['spider', 'wikisql']), v.object({ text: v.string() })]), templateMessage),
  ),
  execute: booleanField,
  max_rows: numberField({ integer: true, min: 1, max: 10_000 }),
  timeout_ms: numberField({ integer: true, min: 1, max: 60_000 }),
  stream: booleanField,
  database: textField({ nonEmpty: true }),
  ddl: textField({ nonEmpty: true }),
  /** Candidates sampled (candidate i with seed `seed + i`), run, and voted by their results. */
  samples: numberField({ integer: true, min: 1, max: maxSamples }),
  vote_equality: v.optional(v.picklist(voteEqualities, mustBe('"spider", "bird" or "exact"'))),
  /** Rounds that send a failing answer's SQL and error back to the model, within an optional time budget. */
  repair: v.optional(
    fieldsSchema(
      {
        rounds: numberSchema({ integer: true, min: 0, max: 16 }),
        time_budget_ms: numberField({ integer: true, min: 1, max: 600_000 }),
      },
      mustBe('an object {"rounds": 0…16, "time_budget_ms"?: milliseconds}'),
    ),
  ),
  temperature: numberField({ min: 0, max: 2 }),
  top_p: numberField({ min: 0, max: 1, above: true }),
  seed: numberField({ integer: true, min: 0 }),
};

/** The preset (greedy, or sampled for several candidates) with the body's own sampling and length on top. */
function generationSettings(fields: {
  preset?: string | undefined;
  samples: number;
  max_tokens?: number | undefined;
  temperature?: number | undefined;
  top_p?: number | undefined;
  seed?: number | undefined;
}): SqlGenerationSettings {
  const preset = sqlGenerationPreset(fields.preset ?? (fields.samples > 1 ? 'sampled' : 'greedy'));
  const settings: SqlGenerationSettings = {
    ...preset,
    ...(fields.max_tokens === undefined ? {} : { maxNewTokens: fields.max_tokens }),
    ...(fields.temperature === undefined ? {} : { temperature: fields.temperature }),
    ...(fields.top_p === undefined ? {} : { topP: fields.top_p }),
    ...(fields.seed === undefined ? {} : { seed: fields.seed }),
  };
  if (fields.samples > 1 && !((settings.temperature ?? 0) > 0))
    throw new RequestError(
      400,
      `"samples" ${fields.samples} needs "temperature" above 0 (got ${settings.temperature ?? 0}${fields.preset === undefined ? '' : ` from preset "${fields.preset}"`}): greedy decoding gives equal candidates. Leave "preset" out for the sampled preset (temperature 0.8, top-p 0.95), or send "temperature".`,
    );
  return settings;
}

/** The database a request names (registered with --db), or a temporary one built from its `ddl`. */
async function database(
  state: ServerState,
  fields: { database?: string | undefined; ddl?: string | undefined },
  signal: AbortSignal,
): Promise<{ database: SqlDatabase; temporary: boolean }> {
  const { database: name, ddl } = fields;
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

/**
 * `GET /v1/databases` (for the playground) and `POST /v1/sql`: a question and a database to checked SQL and its rows;
 * with `samples`, several candidates voted by their results; with `repair`, failing SQL sent back to the model.
 */
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
    const fields = readFields(await readJsonObject(c.req.raw), sqlFields);
    const samples = fields.samples ?? 1;
    const options = {
      question: fields.question,
      template: fields.template satisfies SqlPromptTemplate | undefined,
      execute: fields.execute ?? true,
      maxRows: fields.max_rows ?? 1000,
      timeoutMs: fields.timeout_ms ?? 10_000,
      generation: generationSettings({ ...fields, samples }),
      samples,
      ...(fields.vote_equality === undefined ? {} : { voteEquality: fields.vote_equality }),
      ...(fields.repair === undefined
        ? {}
        : {
            repair: {
              rounds: fields.repair.rounds,
              ...(fields.repair.time_budget_ms === undefined ? {} : { timeBudgetMs: fields.repair.time_budget_ms }),
            },
          }),
    };
    const stream = fields.stream ?? false;
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
      // The model as text-to-sql sees it: the runtime's, under this request's admission and metrics. The
      // admission is held to the request's end (cleanup), through the vote and any repair round's generation.
      const held: Admission = { ...admission, release: () => undefined };
      const model: TextToSqlModel = {
        tokenizer: state.model.tokenizer,
        stream: (request) => generate(state, held, request),
        // Several candidates share one prompt prefill.
        streamChoices: (request) => generateChoices(state, held, request),
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
