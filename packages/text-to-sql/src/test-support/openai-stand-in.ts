// Test and benchmark scaffolding: a minimal OpenAI-compatible /v1/completions server on loopback that answers
// every AquilaSQL prompt by a fixed rule (count the rows of the first table listed) and can inject failures. It
// takes `n` as vLLM does (choices with `index`, sample i with seed + i), or refuses it as servers without it do.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in does with one request: answer, or fail in one of the ways real servers do. */
export type StandInFault = 'rate-limit' | 'server-error' | 'slow' | 'truncate' | 'no-sql' | 'hang';

interface StandInRequest {
  /** 0-based arrival number. */
  index: number;
  prompt: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export interface OpenAiStandInOptions {
  /** Decides each request's fault (or none). */
  fault?: (request: StandInRequest) => StandInFault | undefined;
  /** Characters per streamed chunk; default 6. */
  chunkSize?: number;
  /** Milliseconds a `slow` answer waits before it starts; default 300. */
  slowMs?: number;
  /** Milliseconds every answer takes (spread over its chunks), to model generation time; default 0. */
  latencyMs?: number;
  /** Required `Authorization: Bearer` key, if any. */
  apiKey?: string;
  /** What a request with `n` gets: `choices` (default), `refuse` (a 400 naming n, as llama.cpp), `ignore` (one choice). */
  n?: 'choices' | 'refuse' | 'ignore';
  /** The answer to sample `seed` of a prompt; default {@link standInAnswer}. */
  answer?: (request: { prompt: string; seed: number }) => string;
}

export interface OpenAiStandIn {
  url: string;
  /** Every completion request received, in arrival order. */
  requests: StandInRequest[];
  /** Requests being answered now, and the most at once. */
  concurrency: { now: number; peak: number };
  close(): Promise<void>;
}

/** The rule: the SQL counts the rows of the first table in the prompt, in FlagAI's answer template. */
export function standInAnswer(prompt: string): string {
  const table =
    /表名为([^，,\s]+)/.exec(prompt)?.[1] ?? /CREATE TABLE\s+"?([A-Za-z_][\w]*)/i.exec(prompt)?.[1] ?? 'unknown_table';
  return `根据数据库信息和问题生成如下查询语句:\n\`\`\`sql\n SELECT count(*) FROM ${table}\n\`\`\`\n您可以使用该语句进行查询。`;
}

const wait = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(value));
}

/** Starts the stand-in on 127.0.0.1 at a free port. */
export async function startOpenAiStandIn(options: OpenAiStandInOptions = {}): Promise<OpenAiStandIn> {
  const requests: StandInRequest[] = [];
  const concurrency = { now: 0, peak: 0 };
  const chunkSize = options.chunkSize ?? 6;
  const server = createServer((request, response) => {
    void (async () => {
      if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`)
        return json(response, 401, { error: { message: 'bad api key' } });
      if (request.method === 'GET' && request.url === '/v1/models')
        return json(response, 200, { object: 'list', data: [{ id: 'stand-in', object: 'model' }] });
      if (request.method !== 'POST' || request.url !== '/v1/completions')
        return json(response, 404, { error: { message: 'not found' } });
      const body = JSON.parse(await readBody(request)) as Record<string, unknown>;
      const prompt = typeof body.prompt === 'string' ? body.prompt : JSON.stringify(body.prompt);
      const entry = { index: requests.length, prompt, body, authorization: request.headers.authorization };
      requests.push(entry);
      const n = typeof body.n === 'number' ? body.n : 1;
      if (n !== 1 && options.n === 'refuse')
        return json(response, 400, { error: { message: 'Only one completion choice is allowed ("n" must be 1).' } });
      const choices = options.n === 'ignore' ? 1 : n;
      const fault = options.fault?.(entry);
      if (fault === 'rate-limit')
        return json(response, 429, { error: { message: 'slow down' } }, { 'retry-after': '0' });
      if (fault === 'server-error') return json(response, 500, { error: { message: 'boom' } });
      if (fault === 'hang') return;
      concurrency.now += 1;
      concurrency.peak = Math.max(concurrency.peak, concurrency.now);
      try {
        if (fault === 'slow') await wait(options.slowMs ?? 300);
        const seed = typeof body.seed === 'number' ? body.seed : 0;
        const texts = Array.from({ length: choices }, (_, choice) =>
          fault === 'no-sql'
            ? '我不知道。'
            : options.answer === undefined
              ? standInAnswer(prompt)
              : options.answer({ prompt, seed: seed + choice }),
        );
        // Each choice's pieces; streamed round-robin, as a batch of sequences decodes.
        const split = (text: string): string[] => {
          const pieces: string[] = [];
          for (let index = 0; index < text.length; index += chunkSize)
            pieces.push(text.slice(index, index + chunkSize));
          return pieces;
        };
        const pieces = texts.map(split);
        const count = pieces.reduce((sum, list) => sum + list.length, 0);
        const usage = { prompt_tokens: prompt.length, completion_tokens: count, total_tokens: prompt.length + count };
        if (body.stream !== true)
          return json(response, 200, {
            object: 'text_completion',
            model: body.model,
            choices: texts.map((text, index) => ({ index, text, finish_reason: 'stop' })),
            usage,
          });
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const send = (value: unknown): Promise<void> =>
          new Promise((resolve) => response.write(`data: ${JSON.stringify(value)}\n\n`, () => resolve()));
        const longest = Math.max(...pieces.map((list) => list.length));
        for (let step = 0; step < longest; step += 1) {
          if (options.latencyMs) await wait(options.latencyMs / longest);
          for (const [choice, list] of pieces.entries()) {
            const piece = list[step];
            if (piece === undefined) continue;
            const sent = send({
              object: 'text_completion',
              choices: [{ index: choice, text: piece, finish_reason: null }],
            });
            // Cut the connection once three chunks are on the wire (or the whole answer, when it is shorter).
            if (fault === 'truncate' && choice === 0 && (step === 2 || step === list.length - 1)) {
              await sent;
              await wait(20);
              response.destroy();
              return;
            }
          }
        }
        for (let choice = 0; choice < choices; choice += 1)
          void send({ object: 'text_completion', choices: [{ index: choice, text: '', finish_reason: 'stop' }] });
        void send({ object: 'text_completion', choices: [], usage });
        response.end('data: [DONE]\n\n');
      } finally {
        concurrency.now -= 1;
      }
    })().catch((error: unknown) => {
      if (!response.headersSent) json(response, 400, { error: { message: (error as Error).message } });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    concurrency,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
