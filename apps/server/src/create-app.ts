import { randomUUID, timingSafeEqual } from 'node:crypto';
import { GenerationOptionsError } from '@aquila/runtime';
import { DatabaseOpenError, TextToSqlOptionsError } from '@aquila/text-to-sql';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { RequestError } from './errors.js';
import { playgroundPage } from './playground-page.js';
import { type RequestGuardOptions, requestGuard } from './request-guard.js';
import { requireJsonBody } from './require-json-body.js';
import { registerFlagaiRoutes } from './routes/flagai-routes.js';
import { errorBody, registerOpenAiRoutes } from './routes/openai-routes.js';
import { registerSqlRoutes } from './routes/sql-routes.js';
import { type ServerState, streamedBodies } from './server-state.js';

export interface AppOptions {
  /** Requests must send `Authorization: Bearer <apiKey>` (except `/health` and the page). */
  apiKey?: string;
  /** The largest request body, in bytes. */
  bodyLimitBytes: number;
  /** True once a shutdown has begun: /health answers 503. */
  draining: () => boolean;
  /** Which Host headers and browser origins are answered (see {@link requestGuard}). */
  guard: RequestGuardOptions;
}

const routes = new Set([
  '/',
  '/health',
  '/metrics',
  '/func',
  '/stream_func',
  '/v1/models',
  '/v1/completions',
  '/v1/chat/completions',
  '/v1/sql',
  '/v1/databases',
]);
const publicRoutes = new Set(['/', '/health']);

function sameSecret(sent: string, expected: string): boolean {
  const left = Buffer.from(sent);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The status and body for an error thrown by a route. */
function errorResponse(error: unknown): { status: number; body: ReturnType<typeof errorBody> } {
  if (RequestError.isInstance(error))
    return { status: error.status, body: errorBody(error.message, error.type, error.apiCode) };
  if (
    GenerationOptionsError.isInstance(error) ||
    TextToSqlOptionsError.isInstance(error) ||
    DatabaseOpenError.isInstance(error)
  ) {
    return { status: 400, body: errorBody(error.message, 'invalid_request_error', error.code) };
  }
  if ((error as Error | undefined)?.name === 'AbortError')
    return { status: 499, body: errorBody('the request was cancelled.', 'cancelled') };
  return { status: 500, body: errorBody(`internal error: ${(error as Error).message}`, 'server_error') };
}

/** The Hono app: logging and metrics around every request, the Host and origin checks, the API key, JSON bodies, the body limit, and the routes. */
export function createApp(state: ServerState, options: AppOptions): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    const started = performance.now();
    const requestId = c.req.header('x-request-id') ?? randomUUID();
    const route = routes.has(c.req.path) ? c.req.path : 'other';
    await next();
    c.header('x-request-id', requestId);
    const status = c.res.status;
    const finish = (outcome: string): void => {
      const seconds = (performance.now() - started) / 1000;
      state.metrics.request(route, c.req.method, status, seconds);
      state.logger.log(status >= 500 ? 'error' : 'info', 'request', {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
        outcome,
      });
    };
    const body = c.res.body;
    if (body === null || !streamedBodies.has(body)) return finish('complete');
    // A streamed answer is logged and timed when its last byte is sent, or when the client leaves.
    const reader = body.getReader();
    const counted = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        controller.close();
        finish('complete');
      },
      cancel(reason) {
        finish('client closed the connection');
        return reader.cancel(reason);
      },
    });
    c.res = new Response(counted, c.res);
  });

  app.use('*', requestGuard(options.guard));

  app.use('*', async (c, next) => {
    if (options.apiKey === undefined || publicRoutes.has(c.req.path)) return next();
    const sent = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (sent === undefined || !sameSecret(sent, options.apiKey)) {
      c.header('www-authenticate', 'Bearer');
      throw new RequestError(
        401,
        sent === undefined
          ? 'this server needs an API key: send "Authorization: Bearer <key>".'
          : 'the API key is wrong.',
      );
    }
    return next();
  });

  app.use('*', requireJsonBody());

  app.use(
    '*',
    bodyLimit({
      maxSize: options.bodyLimitBytes,
      onError: () => {
        throw new RequestError(
          413,
          `the request body is larger than ${options.bodyLimitBytes} bytes, the most this server takes; send a shorter prompt.`,
        );
      },
    }),
  );

  app.onError((error, c: Context) => {
    const { status, body } = errorResponse(error);
    if (status === 429) c.header('retry-after', String(state.gate.retryAfterSeconds()));
    if (status >= 500)
      state.logger.log('error', 'request-failed', { path: c.req.path, message: (error as Error).message });
    return c.json(body, status as 400);
  });
  app.notFound((c) =>
    c.json(
      errorBody(`no route ${c.req.method} ${c.req.path}; see the README for the endpoints.`, 'invalid_request_error'),
      404,
    ),
  );

  app.get('/', (c) => c.html(playgroundPage));
  app.get('/health', (c) => {
    const draining = options.draining();
    return c.json(
      {
        status: draining ? 'draining' : 'ok',
        model: state.modelName,
        ...state.model.load,
        admitted: state.gate.size,
        capacity: state.gate.capacity,
      },
      draining ? 503 : 200,
    );
  });
  app.get('/metrics', (c) =>
    c.text(state.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
  registerOpenAiRoutes(app, state);
  registerFlagaiRoutes(app, state);
  registerSqlRoutes(app, state);
  return app;
}
