import type { AddressInfo } from 'node:net';
import { basename, resolve } from 'node:path';
import { parseWithSchema } from '@aquila/errors';
import { LanguageModel } from '@aquila/runtime';
import { SqlDatabase } from '@aquila/text-to-sql';
import { loadTokenizer } from '@aquila/tokenizer';
import { type ServerType, serve } from '@hono/node-server';
import * as v from 'valibot';
import { createApp } from './create-app.js';
import { ServerOptionsError } from './errors.js';
import { GenerationGate } from './generation-gate.js';
import { createJsonLogger } from './json-logger.js';
import { numberSchema } from './request-body.js';
import { normalizeAllowedHost, normalizeCorsOrigin } from './request-guard.js';
import { ServerMetrics } from './server-metrics.js';
import type { ServerState } from './server-state.js';

export interface ServerDatabase {
  /** The name requests use (`"database": "shop"`). */
  name: string;
  /** A SQLite file, opened read-only. */
  file: string;
}

export interface StartServerOptions {
  /** A converted model folder (`aquila convert`) with its tokenizer files. */
  model: string;
  /** Default 127.0.0.1: loopback only. */
  host?: string;
  /** Default 9175 (FlagAI's port); 0 picks a free one. */
  port?: number;
  /** Databases for `/v1/sql` and the playground. */
  databases?: readonly ServerDatabase[];
  /** When set, every route but `/health` and the page needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /**
   * Host names answered besides loopback names and `host` itself (`--allowed-host`): `gpu-box.lan`, `.example.com`
   * for a domain and its subdomains, `*` for any. Other Host headers get 403, which defeats DNS rebinding.
   */
  allowedHosts?: readonly string[];
  /**
   * Origins whose pages may call the API from a browser (`--cors-origin`), e.g. `https://app.example.com`, or `*`.
   * Requests from other sites' pages get 403; these get CORS headers and answered preflights.
   */
  corsOrigins?: readonly string[];
  /** Sequences decoded together (the scheduler's batch); default 4. */
  parallel?: number;
  /** Generation requests that may wait for a place in the batch; more get 429. Default 16. */
  queue?: number;
  /** The largest request body in bytes; default 1 MiB. */
  bodyLimitBytes?: number;
  /** onnxruntime threads; default all cores. */
  threads?: number;
  /** The name `/v1/models` and FlagAI's `model_info` report; default the folder's name. */
  modelName?: string;
  /** Where the JSON-lines log goes; default process.stderr, null for none. */
  log?: NodeJS.WritableStream | null;
  /** How long `close()` lets in-flight requests finish before cancelling them; default 30 s. */
  drainTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunningServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  model: LanguageModel;
  /**
   * Graceful shutdown: stops accepting connections, answers 503 to new requests, lets in-flight
   * generations finish (cancelling those still running after the drain timeout), then frees the model
   * and the databases. Calling it again returns the same promise.
   */
  close: (options?: { drainTimeoutMs?: number }) => Promise<void>;
}

/** The numeric options, with their defaults. */
const numericOptions = v.object({
  port: v.optional(numberSchema({ integer: true, min: 0, max: 65535 }), 9175),
  parallel: v.optional(numberSchema({ integer: true, min: 1 }), 4),
  queue: v.optional(numberSchema({ integer: true, min: 0 }), 16),
  bodyLimitBytes: v.optional(numberSchema({ integer: true, min: 1 }), 1024 * 1024),
  drainTimeoutMs: v.optional(numberSchema({ integer: true, min: 0 }), 30_000),
});

const loopback = (host: string): boolean => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** Loads the model and the databases, then serves the FlagAI, OpenAI and text-to-SQL APIs until `close()`. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const { port, parallel, queue, bodyLimitBytes, drainTimeoutMs } = parseWithSchema({
    schema: numericOptions,
    value: options,
    error: ({ message, path }) => new ServerOptionsError(`${path} ${message}.`),
  });
  const allowedHosts = (options.allowedHosts ?? []).map((entry) => {
    if (normalizeAllowedHost(entry) === undefined)
      throw new ServerOptionsError(
        `--allowed-host ${JSON.stringify(entry)} is not a host name; give a name like gpu-box.lan, .example.com for a domain, or * for any.`,
      );
    return entry;
  });
  const corsOrigins = (options.corsOrigins ?? []).map((entry) => {
    if (normalizeCorsOrigin(entry) === undefined)
      throw new ServerOptionsError(
        `--cors-origin ${JSON.stringify(entry)} is not an origin; give scheme, host and port as a browser sends them (https://app.example.com, http://localhost:3000), or * for any.`,
      );
    return entry;
  });
  if (options.apiKey !== undefined && options.apiKey.trim() === '')
    throw new ServerOptionsError('the API key is empty; give a secret, or leave --api-key out.');
  const names = new Set<string>();
  for (const { name } of options.databases ?? []) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
      throw new ServerOptionsError(
        `database name "${name}" must be letters, digits, "_", "-" or "."; give --db NAME=FILE.sqlite.`,
      );
    if (names.has(name))
      throw new ServerOptionsError(`database name "${name}" is given twice; give each --db a different NAME.`);
    names.add(name);
  }
  const logger = createJsonLogger(options.log === undefined ? process.stderr : options.log);

  const tokenizer = await loadTokenizer({ path: options.model, signal: options.signal }).catch((error: unknown) => {
    throw new ServerOptionsError(
      `${options.model}: cannot load the tokenizer (${(error as Error).message}); the server needs a model folder converted with its tokenizer files (aquila convert copies them from the checkpoint).`,
      { cause: error },
    );
  });
  const model = await LanguageModel.load({
    path: options.model,
    tokenizer,
    maxBatchSize: parallel,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  const databases = new Map<string, SqlDatabase>();
  try {
    for (const entry of options.databases ?? [])
      databases.set(entry.name, await SqlDatabase.open({ file: entry.file, name: entry.name, signal: options.signal }));
  } catch (error) {
    await Promise.all([...databases.values()].map((database) => database.close()));
    await model.release();
    throw error;
  }

  const gate = new GenerationGate(parallel, parallel + queue);
  const state: ServerState = {
    model,
    tokenizer,
    modelName: options.modelName ?? basename(resolve(options.model)),
    databases,
    gate,
    logger,
    metrics: new ServerMetrics(() => ({ ...model.load, admitted: gate.size, capacity: gate.capacity })),
    created: Math.floor(Date.now() / 1000),
  };
  let draining = false;
  const app = createApp(state, {
    apiKey: options.apiKey,
    bodyLimitBytes,
    draining: () => draining,
    guard: { host, allowedHosts, corsOrigins },
  });

  const server: ServerType = await new Promise((resolveServer, reject) => {
    const created = serve({ fetch: app.fetch, hostname: host, port }, () => resolveServer(created));
    created.once('error', (error) =>
      reject(
        new ServerOptionsError(`cannot listen on ${host}:${port} (${error.message}); pick another --port or --host.`, {
          cause: error,
        }),
      ),
    );
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.log('info', 'listening', {
    url,
    model: state.modelName,
    parallel,
    queue,
    databases: [...databases.keys()].join(','),
  });
  if (!loopback(host) && options.apiKey === undefined)
    logger.log('warn', 'open-to-network', {
      host,
      message: 'listening beyond loopback without --api-key: anyone who can reach this port can use the model.',
    });
  if ((allowedHosts.includes('*') || corsOrigins.includes('*')) && options.apiKey === undefined) {
    logger.log('warn', 'open-to-other-sites', {
      message: 'a * --allowed-host or --cors-origin without --api-key: web pages the user opens can call this server.',
    });
  }

  let closing: Promise<void> | undefined;
  const close = (closeOptions: { drainTimeoutMs?: number } = {}): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      gate.close();
      logger.log('info', 'draining', { inFlight: gate.size });
      const stopped = new Promise<void>((done) => server.close(() => done()));
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      const timeout = closeOptions.drainTimeoutMs ?? drainTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        gate.idle().then(() => true),
        new Promise<boolean>((done) => (timer = setTimeout(() => done(false), timeout))),
      ]);
      clearTimeout(timer);
      if (!finished) {
        logger.log('warn', 'drain-timeout', { cancelled: gate.size });
        gate.abortAll(new DOMException('the server is shutting down', 'AbortError'));
        await gate.idle();
      }
      // Finished answers flush; connections still open after a moment are closed.
      const grace = setTimeout(() => (server as { closeAllConnections?: () => void }).closeAllConnections?.(), 1000);
      await stopped;
      clearTimeout(grace);
      await Promise.all([...databases.values()].map((database) => database.close()));
      await model.release();
      logger.log('info', 'closed', {});
    })();
    return closing;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { url, port: address.port, model, close };
}

/** Closes the server on the first of `signals` (default SIGTERM and SIGINT) and resolves when it has closed. */
export function closeOnSignals(
  server: RunningServer,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): Promise<void> {
  return new Promise((resolveClosed, reject) => {
    const onSignal = (): void => {
      for (const signal of signals) process.off(signal, onSignal);
      server.close().then(resolveClosed, reject);
    };
    for (const signal of signals) process.on(signal, onSignal);
  });
}
