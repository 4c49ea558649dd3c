import { PassThrough } from 'node:stream';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { needs, spiderDatabase } from '@aquila/test-kit';
import { SqlDatabase } from '@aquila/text-to-sql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';
import { serverScripts } from './test-support/server-scripts.js';
import { withPlayground } from './test-support/with-playground.js';

const apiKey = 'test-key';
let scripted: ScriptedModel;
let server: RunningServer;
let logText = '';

beforeAll(async () => {
  scripted = await writeScriptedModel({ scripts: Object.values(serverScripts) });
  const log = new PassThrough();
  log.on('data', (chunk: Buffer) => (logText += chunk.toString()));
  server = await startServer({
    model: scripted.path,
    port: 0,
    databases: [{ name: 'concert_singer', file: spiderDatabase('concert_singer') }],
    apiKey,
    parallel: 2,
    queue: 1,
    bodyLimitBytes: 64 * 1024,
    log,
  });
});
afterAll(async () => {
  await server?.close({ drainTimeoutMs: 0 });
  await scripted?.remove();
});

interface ApiInit extends RequestInit {
  json?: unknown;
  key?: string | null;
}

/** A request to the server, with the API key and a JSON body when given. */
function api(path: string, init: ApiInit = {}): Promise<Response> {
  const { json, key = apiKey, ...rest } = init;
  const headers: Record<string, string> = {
    ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    ...(json === undefined ? {} : { 'content-type': 'application/json' }),
  };
  return fetch(`${server.url}${path}`, {
    method: json === undefined && rest.body === undefined ? 'GET' : 'POST',
    ...rest,
    headers: { ...headers, ...(rest.headers as Record<string, string>) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
}

// Response bodies are checked field by field.
const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

/** The `data:` payloads of an SSE body, checking the framing of every event. */
async function sseData(response: Response): Promise<string[]> {
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await response.text();
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((block) => {
      expect(block).toMatch(/^data: [^\n]+$/);
      return block.slice('data: '.length);
    });
}

type ChatLogprob = {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number }[];
};
type Chunk = {
  choices: {
    text?: string;
    delta?: { content?: string; role?: string };
    finish_reason: string | null;
    logprobs: { content: ChatLogprob[] } | null;
  }[];
  usage?: unknown;
};
const chunks = (data: string[]): Chunk[] => data.slice(0, -1).map((item) => JSON.parse(item) as Chunk);
const streamedText = (data: string[]): string =>
  chunks(data)
    .flatMap((chunk) => chunk.choices.map((choice) => choice.text ?? choice.delta?.content ?? ''))
    .join('');

/** Reads a streamed response until its first bytes arrive. */
async function firstBytes(response: Response): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  expect(first.done).toBe(false);
  return reader;
}

const generatedTokens = async (): Promise<number> =>
  Number(/^aquila_generated_tokens_total (\d+)$/m.exec(await (await api('/metrics')).text())?.[1]);
const idle = (): Promise<void> =>
  vi.waitFor(() => expect(server.model.load).toEqual({ running: 0, waiting: 0 }), { timeout: 10_000, interval: 20 });

describe('the OpenAI API', () => {
  it('lists the model', async () => {
    const body = await json(api('/v1/models'));
    expect(body).toMatchObject({
      object: 'list',
      data: [{ id: 'scripted-model', object: 'model', owned_by: 'aquila-ts' }],
    });
  });

  it('completes a prompt, with usage, and the same text streamed in SSE chunks with the usage chunk and [DONE]', async () => {
    const body = await json(
      api('/v1/completions', {
        json: { model: 'scripted-model', prompt: serverScripts.greeting.after, temperature: 0 },
      }),
    );
    const promptTokens = server.model.tokenizer!.encode(serverScripts.greeting.after).length;
    expect(body).toMatchObject({
      object: 'text_completion',
      model: 'scripted-model',
      choices: [{ index: 0, text: serverScripts.greeting.output, finish_reason: 'stop' }],
    });
    expect(body.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: 6, total_tokens: promptTokens + 6 });

    const data = await sseData(
      await api('/v1/completions', {
        json: { prompt: serverScripts.greeting.after, stream: true, stream_options: { include_usage: true } },
      }),
    );
    expect(data.at(-1)).toBe('[DONE]');
    const parsed = chunks(data);
    expect(streamedText(data)).toBe(serverScripts.greeting.output);
    expect(parsed.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(parsed.at(-1)).toMatchObject({ choices: [], usage: body.usage });
    expect(parsed.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    // Without include_usage there is no usage chunk and no usage field.
    const plain = chunks(
      await sseData(await api('/v1/completions', { json: { prompt: serverScripts.greeting.after, stream: true } })),
    );
    expect(plain.every((chunk) => chunk.choices.length === 1 && !('usage' in chunk))).toBe(true);
  });

  it('stops at a stop string that spans tokens, holding back its start while streaming', async () => {
    const stop = ['world, hel'];
    const body = await json(api('/v1/completions', { json: { prompt: serverScripts.greeting.after, stop } }));
    expect(body.choices[0]).toMatchObject({ text: ' Hello ', finish_reason: 'stop' });
    const data = await sseData(
      await api('/v1/completions', { json: { prompt: serverScripts.greeting.after, stop, stream: true } }),
    );
    const deltas = chunks(data).map((chunk) => chunk.choices[0]?.text ?? '');
    expect(deltas.join('')).toBe(' Hello ');
    expect(deltas.some((delta) => delta.includes('world'))).toBe(false);
  });

  it('ends at max_tokens with finish_reason length, and takes prompts as token ids', async () => {
    const body = await json(api('/v1/completions', { json: { prompt: serverScripts.loop.after, max_tokens: 5 } }));
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(5);
    expect(serverScripts.loop.output.repeat(5).startsWith(body.choices[0].text)).toBe(true);
    const ids = await json(
      api('/v1/completions', {
        json: { prompt: [[...server.model.tokenizer!.encode(serverScripts.loop.after)]], max_tokens: 5 },
      }),
    );
    expect(ids.choices[0].text).toBe(body.choices[0].text);
  });

  it('samples with temperature and top_p, reproducibly under a seed', async () => {
    // After a token outside the scripts every logit is equal: sampling draws from the whole vocabulary.
    const sample = async (seed: number): Promise<string> =>
      (
        await json(
          api('/v1/completions', { json: { prompt: 'Random words', max_tokens: 4, temperature: 1, top_p: 0.9, seed } }),
        )
      ).choices[0].text;
    const first = await sample(7);
    expect(first.length).toBeGreaterThan(0);
    expect(await sample(7)).toBe(first);
    expect(await sample(8)).not.toBe(first);
  });

  it('answers chat messages in the Aquila chat template, streamed with the role first', async () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Say hello' }] },
    ];
    const body = await json(api('/v1/chat/completions', { json: { messages } }));
    expect(body).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: serverScripts.chat.output }, finish_reason: 'stop' }],
    });
    const data = await sseData(
      await api('/v1/chat/completions', { json: { messages, stream: true, stream_options: { include_usage: true } } }),
    );
    const parsed = chunks(data);
    expect(parsed[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(streamedText(data)).toBe(serverScripts.chat.output);
    expect(parsed.at(-2)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(parsed.at(-1)?.usage).toEqual(body.usage);
    const last = await api('/v1/chat/completions', { json: { messages: [{ role: 'assistant', content: 'hi' }] } });
    expect(last.status).toBe(400);
    expect((await json(last)).error.message).toMatch(/last message must be the user's/);
  });

  it('returns log probabilities: completions as parallel lists, chat per token, streamed with the chunks that carry their text', async () => {
    const { logprobs } = (
      await json(api('/v1/completions', { json: { prompt: serverScripts.greeting.after, logprobs: 2 } }))
    ).choices[0];
    expect(logprobs.tokens.join('')).toBe(serverScripts.greeting.output);
    expect(logprobs.token_logprobs.every((value: number) => value <= 0 && value > -1e-3)).toBe(true);
    expect(logprobs.text_offset).toEqual(
      logprobs.tokens.map((_: string, index: number) => logprobs.tokens.slice(0, index).join('').length),
    );
    logprobs.top_logprobs.forEach((top: Record<string, number>, index: number) => {
      expect(Object.keys(top).length).toBeGreaterThanOrEqual(1);
      expect(top[logprobs.tokens[index]]).toBe(logprobs.token_logprobs[index]);
    });
    const messages = [{ role: 'user', content: 'Say hello' }];
    const data = await sseData(
      await api('/v1/chat/completions', { json: { messages, stream: true, logprobs: true, top_logprobs: 1 } }),
    );
    const entries = chunks(data).flatMap((chunk) => chunk.choices.flatMap((item) => item.logprobs?.content ?? []));
    expect(entries.map((entry) => entry.token).join('')).toBe(serverScripts.chat.output);
    expect(entries[0]?.bytes).toEqual([...Buffer.from(entries[0]?.token ?? '')]);
    expect(entries[0]?.top_logprobs).toEqual([
      { token: entries[0]?.token, logprob: entries[0]?.logprob, bytes: entries[0]?.bytes },
    ]);
    expect((await json(api('/v1/chat/completions', { json: { messages } }))).choices[0].logprobs).toBeNull();
    const unasked = await api('/v1/chat/completions', { json: { messages, top_logprobs: 2 } });
    expect((await json(unasked)).error.message).toBe('"top_logprobs" needs "logprobs": true.');
  });
});

describe("FlagAI's API", () => {
  it("/func takes the JSON-string body of FlagAI's client and a plain object, with the same answer", async () => {
    const request = { prompt: serverScripts.greeting.after, temperature: 0 };
    const asString = await json(api('/func', { json: JSON.stringify(request) }));
    const asObject = await json(api('/func', { json: request }));
    expect(asObject).toEqual(asString);
    const [completion] = asObject.completions;
    // Fixed: "sql" stays in the text (FlagAI deletes every "sql"); FlagAI's one leading space is dropped.
    expect(completion.text).toBe('Hello world, hello sql.');
    expect(completion.tokens).toEqual(['ĠHello', 'Ġworld', ',', 'Ġhello', 'Ġsql', '.']);
    expect(completion.logprobs).toHaveLength(6);
    expect(completion.logprobs.every((value: number) => value <= 0 && value > -1e-3)).toBe(true);
    expect(completion.top_logprobs_dicts[0]).toEqual({ [completion.tokens[0]]: completion.logprobs[0] });
    expect(completion.model_in.endsWith(serverScripts.greeting.after)).toBe(true);
    expect(asObject).toMatchObject({ input_length: serverScripts.greeting.after.length, model_info: 'scripted-model' });
  });

  it("/func with sft uses the chat template with the history; FlagAI's defaults sample the scripted answer", async () => {
    const body = await json(
      api('/func', {
        json: {
          prompt: 'Say hello',
          sft: true,
          history: [
            ['HUMAN', 'Hi'],
            ['ASSISTANT', 'Hello'],
          ],
        },
      }),
    );
    expect(body.completions[0].text).toBe('Hello world, hello sql.');
    expect(body.completions[0].model_in).toMatch(/###Human: Hi###Assistant: Hello###Human: Say hello###Assistant:$/);
  });

  it('/stream_func streams plain text to the very last characters', async () => {
    const response = await api('/stream_func', { json: JSON.stringify({ prompt: 'Say hello' }) });
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(serverScripts.chat.output);
  });

  it('says what is wrong with a FlagAI body', async () => {
    const missing = await api('/func', { json: JSON.stringify({ max_new_tokens: 3 }) });
    expect(missing.status).toBe(400);
    expect((await json(missing)).error.message).toBe('"prompt" is required (a string).');
    const history = await api('/stream_func', { json: { prompt: 'x', history: [['HUMAN']] } });
    expect((await json(history)).error.message).toMatch(/history\[0\] must be \[role, text\]/);
  });
});

describe('text-to-SQL', () => {
  let database: SqlDatabase;
  beforeAll(async () => {
    database = await SqlDatabase.open({ file: spiderDatabase('concert_singer') });
  });
  afterAll(() => database?.close());

  it('/v1/sql answers a question from the registered database with checked SQL and its rows', async () => {
    const expected = await database.execute({ sql: serverScripts.sql.output });
    const body = await json(
      api('/v1/sql', { json: { database: 'concert_singer', question: 'How many singers do we have?' } }),
    );
    expect(body).toMatchObject({
      database: 'concert_singer',
      sql: serverScripts.sql.output,
      extracted: true,
      parses: true,
      finishReason: 'stop',
    });
    expect(body.prompt).toContain('表名为singer');
    expect(body.result).toMatchObject({ columns: expected.columns, rows: expected.rows, truncated: false });
    const unexecuted = await json(
      api('/v1/sql', {
        json: { database: 'concert_singer', question: 'How many singers do we have?', execute: false },
      }),
    );
    expect(unexecuted.result).toBeUndefined();
  });

  it('streams the answer as named events: prompt, text, sql, result, end', async () => {
    const response = await api('/v1/sql', {
      json: { database: 'concert_singer', question: 'How many singers do we have?', stream: true, max_rows: 1 },
    });
    const events = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => {
        const [, type, data] = /^event: (.+)\ndata: (.+)$/.exec(block) as RegExpExecArray;
        return { type, data: JSON.parse(data as string) };
      });
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('prompt');
    expect(types.slice(-3)).toEqual(['sql', 'result', 'end']);
    expect(types.slice(1, -3).every((type) => type === 'text-delta')).toBe(true);
    expect(
      events
        .filter((event) => event.type === 'text-delta')
        .map((event) => event.data.text)
        .join(''),
    ).toBe(serverScripts.sql.output);
  });

  it('refuses SQL that tries to write, through the read-only connection, and the data stays', async () => {
    const before = await database.execute({ sql: 'SELECT count(*) FROM stadium' });
    const body = await json(
      api('/v1/sql', {
        json: { database: 'concert_singer', question: serverScripts.write.after, template: { text: '{question}' } },
      }),
    );
    expect(body.sql).toBe(serverScripts.write.output);
    expect(body.result).toBeUndefined();
    expect(body.error).toMatchObject({ stage: 'execution', code: 'AQUILA_TEXT_TO_SQL_WRITE_REFUSED' });
    const reopened = await SqlDatabase.open({ file: spiderDatabase('concert_singer') });
    expect(
      (await reopened.execute({ sql: 'SELECT count(*) FROM stadium' }).finally(() => reopened.close())).rows,
    ).toEqual(before.rows);
    expect(before.rows[0]?.[0]).toBeGreaterThan(0);
  });

  it('builds a database from DDL, and says which databases exist', async () => {
    const body = await json(
      api('/v1/sql', {
        json: {
          ddl: 'CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT);',
          question: 'How many singers do we have?',
        },
      }),
    );
    expect(body.result).toMatchObject({ columns: ['count(*)'], rows: [[0]] });
    const unknown = await api('/v1/sql', { json: { database: 'shop', question: 'How many?' } });
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error.message).toMatch(/no database "shop"; registered: concert_singer/);
    const both = await api('/v1/sql', {
      json: { database: 'concert_singer', ddl: 'CREATE TABLE t (a);', question: 'How many?' },
    });
    expect(both.status).toBe(400);
  });
});

describe('operations', () => {
  it('answers /health while generating, and cancels the generation when the client disconnects', async () => {
    await idle();
    const before = await generatedTokens();
    const client = new AbortController();
    const response = await api('/v1/completions', {
      json: { prompt: serverScripts.loop.after, max_tokens: 1500, stream: true },
      signal: client.signal,
    });
    const reader = await firstBytes(response);
    const health = await json(api('/health', { key: null }));
    expect(health).toMatchObject({ status: 'ok', running: 1, admitted: 1 });
    client.abort();
    await reader.read().catch(() => undefined);
    // The scheduler drops the sequence: far fewer than 1500 tokens were generated, and no more come.
    await idle();
    await vi.waitFor(async () => expect((await json(api('/health'))).admitted).toBe(0));
    const generated = (await generatedTokens()) - before;
    expect(generated).toBeGreaterThan(0);
    expect(generated).toBeLessThan(1500);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await generatedTokens()) - before).toBe(generated);
  });

  it('cancels a non-streamed generation when its client disconnects before the answer', async () => {
    await idle();
    const client = new AbortController();
    const pending = api('/func', {
      json: { prompt: serverScripts.loop.after, max_new_tokens: 1500, temperature: 0 },
      signal: client.signal,
    }).catch((error: Error) => error);
    await vi.waitFor(() => expect(server.model.load.running).toBe(1), { timeout: 10_000, interval: 20 });
    client.abort();
    expect(await pending).toBeInstanceOf(Error);
    await idle();
    await vi.waitFor(async () => expect((await json(api('/health'))).admitted).toBe(0));
  });

  it('answers 429 with Retry-After once the running batch and the queue are full, then takes requests again', async () => {
    await idle();
    const clients = [new AbortController(), new AbortController(), new AbortController()];
    const long = (client: AbortController): Promise<Response> =>
      api('/v1/completions', {
        json: { prompt: serverScripts.loop.after, max_tokens: 1500, stream: true },
        signal: client.signal,
      });
    const running = await Promise.all(clients.slice(0, 2).map(async (client) => firstBytes(await long(client))));
    const queued = long(clients[2] as AbortController).catch(() => undefined);
    await vi.waitFor(() => expect(server.model.load).toEqual({ running: 2, waiting: 1 }), {
      timeout: 10_000,
      interval: 20,
    });
    const rejected = await api('/v1/completions', { json: { prompt: 'Greet' } });
    expect(rejected.status).toBe(429);
    expect(Number(rejected.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await json(rejected)).error).toMatchObject({
      type: 'server_busy',
      message: expect.stringMatching(/2 requests generating and 1 queued/),
    });
    for (const client of clients) client.abort();
    await Promise.all([...running.map((reader) => reader.read().catch(() => undefined)), queued]);
    await idle();
    await vi.waitFor(async () => expect((await json(api('/health'))).admitted).toBe(0));
    expect((await api('/v1/completions', { json: { prompt: 'Greet' } })).status).toBe(200);
    expect(await (await api('/metrics')).text()).toMatch(/^aquila_requests_rejected_total 1$/m);
  });

  it('answers malformed, invalid and oversized bodies with clear 400s and a 413', async () => {
    const broken = await api('/v1/completions', {
      body: '{"prompt": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect((await json(broken)).error).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringMatching(/^the request body is not valid JSON/),
    });
    const cases: [unknown, RegExp][] = [
      [{ prompt: 'x', max_tokens: 'ten' }, /^"max_tokens" must be an integer ≥ 1, got "ten"\.$/],
      [{ prompt: 'x', temperature: 3 }, /^"temperature" must be a number ≥ 0 and ≤ 2, got 3\.$/],
      [{ prompt: 'x', stop: [1] }, /^"stop" must be a non-empty string or a list of at most 4/],
      [{ prompt: 'x', n: 17 }, /^"n" must be an integer ≥ 1 and ≤ 16, got 17\.$/],
      [{}, /^"prompt" must be a string or an array of token ids/],
      [[1, 2], /must be a JSON object, got an array/],
      [{ prompt: 'x '.repeat(3000) }, /leaves no room in the model's context of 2048/],
    ];
    for (const [body, message] of cases) {
      const response = await api('/v1/completions', { json: body });
      expect(response.status).toBe(400);
      expect((await json(response)).error.message).toMatch(message);
    }
    const oversized = await api('/v1/completions', { json: { prompt: 'x'.repeat(70 * 1024) } });
    expect(oversized.status).toBe(413);
    expect((await json(oversized)).error.message).toMatch(/larger than 65536 bytes/);
    expect((await api('/v1/nothing')).status).toBe(404);
  });

  it('needs the API key everywhere but /health and the page', async () => {
    expect((await api('/v1/models', { key: null })).status).toBe(401);
    const wrong = await api('/v1/models', { key: 'wrong' });
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).error.message).toBe('the API key is wrong.');
    expect((await api('/health', { key: null })).status).toBe(200);
    expect((await api('/', { key: null })).headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('exports Prometheus metrics and logs each request as a JSON line', async () => {
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toMatch(
      /^aquila_http_requests_total\{route="\/v1\/completions",method="POST",status="200"\} \d+$/m,
    );
    expect(metrics).toMatch(/^aquila_request_duration_seconds_bucket\{route="\/v1\/sql",le="\+Inf"\} \d+$/m);
    expect(metrics).toMatch(/^aquila_time_to_first_token_seconds_count \d+$/m);
    expect(metrics).toMatch(/^aquila_tokens_per_second \d+(\.\d+)?$/m);
    expect(metrics).toMatch(/^aquila_requests_waiting 0$/m);
    expect(metrics).toMatch(/^aquila_queue_capacity 3$/m);
    const records = logText
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({ level: 'info', event: 'listening', url: server.url });
    expect(records).toContainEqual(
      expect.objectContaining({ event: 'request', method: 'POST', path: '/v1/completions', status: 429 }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        event: 'request',
        path: '/v1/completions',
        status: 200,
        outcome: 'client closed the connection',
      }),
    );
  });
});

const chromiumBrowser = needs({ chromium: true });

describe('the playground page', () => {
  it.skipIf(chromiumBrowser.skip)(
    `asks a question in headless Chromium and shows the streamed SQL and the result table ${chromiumBrowser.label}`,
    () =>
      withPlayground({
        url: server.url,
        apiKey,
        database: 'concert_singer',
        use: async (page) => {
          await page.fill('#question', 'How many singers do we have?');
          await page.click('#ask');
          await page.waitForSelector('#result td');
          const expected = await SqlDatabase.open({ file: spiderDatabase('concert_singer') });
          const { rows } = await expected.execute({ sql: serverScripts.sql.output }).finally(() => expected.close());
          expect(await page.textContent('#output')).toBe(serverScripts.sql.output);
          expect(await page.textContent('#sql')).toBe(serverScripts.sql.output);
          expect(await page.$$eval('#result th', (cells) => cells.map((cell) => cell.textContent))).toEqual([
            'count(*)',
          ]);
          expect(await page.textContent('#result td')).toBe(String(rows[0]?.[0]));
          expect(await page.textContent('#status')).toMatch(/^parses · 1 row in [\d.]+ ms · stop, 5 tokens$/);
        },
      }),
    120_000,
  );

  it.skipIf(chromiumBrowser.skip)(
    `asks with 3 samples and shows the candidates, their groups by result and the chosen one ${chromiumBrowser.label}`,
    () =>
      withPlayground({
        url: server.url,
        apiKey,
        database: 'concert_singer',
        use: async (page) => {
          // Candidates appear while they are generated: count their blocks until the vote's table comes.
          await page.evaluate(`
            window.candidatesBeforeVote = 0;
            new MutationObserver(() => {
              if (document.querySelector('#vote tr') === null)
                window.candidatesBeforeVote = document.querySelectorAll('#candidates pre').length;
            }).observe(document.getElementById('candidates'), { childList: true, subtree: true });
          `);
          await page.fill('#samples', '3');
          await page.fill('#question', 'How many singers do we have?');
          await page.click('#ask');
          await page.waitForSelector('#result td');
          expect(await page.evaluate('window.candidatesBeforeVote')).toBe(3);
          expect(await page.$$eval('#candidates pre', (blocks) => blocks.map((block) => block.textContent))).toEqual(
            [0, 1, 2].map(() => serverScripts.sql.output),
          );
          const rows = await page.$$eval('#vote tr[data-candidate]', (trs) =>
            trs.map((tr) => [
              tr.getAttribute('data-group'),
              tr.getAttribute('data-candidate'),
              tr.getAttribute('class') ?? '',
              [...tr.querySelectorAll('td')].map((cell) => cell.textContent),
            ]),
          );
          expect(rows).toEqual([
            ['1', '0', 'chosen', ['group 1: 3 votes (winner)', '#0 chosen', serverScripts.sql.output, 'yes', '1']],
            ['1', '1', '', ['#1', serverScripts.sql.output, 'yes', '1']],
            ['1', '2', '', ['#2', serverScripts.sql.output, 'yes', '1']],
          ]);
          expect(await page.textContent('#vote-summary')).toMatch(
            /^3 candidates, 1 group \(sizes 3\), spider equality; chosen #0 · generation \d+ ms, execution \d+ ms$/,
          );
          expect(await page.textContent('#output')).toBe(serverScripts.sql.output);
          expect(await page.textContent('#sql')).toBe(serverScripts.sql.output);
          expect(await page.textContent('#status')).toMatch(/^parses · 1 row in [\d.]+ ms · stop, 15 tokens$/);
          expect(await page.isHidden('#repairing')).toBe(true);
        },
      }),
    120_000,
  );
});
