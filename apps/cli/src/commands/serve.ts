import type { ServerDatabase } from '@aquila/server';
import type { Command } from 'commander';
import * as v from 'valibot';
import { flagParser } from '../flag-parser.js';
import { integerFlag } from '../integer-flag.js';
import type { CommandContext } from '../program.js';

interface ServeFlags {
  model: string;
  host: string;
  port: number;
  db: ServerDatabase[];
  apiKey?: string;
  parallel: number;
  queue: number;
  threads?: number;
  modelName?: string;
  drainTimeout: number;
  allowedHost: string[];
  corsOrigin: string[];
}

/** `--db NAME=FILE.sqlite`: a name and a file, neither empty (the file may hold `=`). */
const database = flagParser(
  v.pipe(
    v.string(),
    v.regex(/^[^=]+=.+$/s, 'give NAME=FILE.sqlite, e.g. --db shop=./shop.sqlite.'),
    v.transform((value): ServerDatabase => {
      const separator = value.indexOf('=');
      return { name: value.slice(0, separator), file: value.slice(separator + 1) };
    }),
  ),
);

const parseDatabase = (value: string, previous: ServerDatabase[]): ServerDatabase[] => [...previous, database(value)];

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `aquila serve --model DIR`: the HTTP server (FlagAI, OpenAI, /v1/sql, playground) until SIGTERM or SIGINT. */
export function registerServeCommand(program: Command, context: CommandContext): void {
  program
    .command('serve')
    .description(
      'serve a converted model over HTTP: FlagAI /func and /stream_func, OpenAI /v1/*, /v1/sql and a playground at /',
    )
    .requiredOption('--model <dir>', 'converted model folder (aquila convert), with its tokenizer files')
    .option('--host <host>', 'address to bind (loopback by default)', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', integerFlag('port', 0), 9175)
    .option(
      '--db <name=file>',
      'a SQLite database for /v1/sql and the playground (repeatable)',
      parseDatabase,
      [] as ServerDatabase[],
    )
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" (default: $AQUILA_API_KEY, else none)')
    .option('--parallel <n>', 'sequences decoded together', integerFlag('parallel', 1), 4)
    .option('--queue <n>', 'requests that may wait for a place; more get 429', integerFlag('queue', 0), 16)
    .option('--threads <n>', 'onnxruntime threads', integerFlag('threads', 1))
    .option('--model-name <name>', 'the name /v1/models reports (default: the folder name)')
    .option(
      '--allowed-host <host>',
      'also answer requests whose Host header names this host (repeatable; loopback names always work), e.g. behind a proxy',
      collect,
      [] as string[],
    )
    .option(
      '--cors-origin <origin>',
      'let web pages from this origin call the API from a browser (repeatable), e.g. http://localhost:3000',
      collect,
      [] as string[],
    )
    .option(
      '--drain-timeout <ms>',
      'on SIGTERM, how long in-flight requests may finish before they are cancelled',
      integerFlag('drain timeout', 0),
      30_000,
    )
    .action(async (flags: ServeFlags) => {
      const { closeOnSignals, startServer } = await import('@aquila/server');
      const server = await startServer({
        model: flags.model,
        host: flags.host,
        port: flags.port,
        databases: flags.db,
        apiKey: flags.apiKey ?? process.env.AQUILA_API_KEY,
        parallel: flags.parallel,
        queue: flags.queue,
        threads: flags.threads,
        modelName: flags.modelName,
        drainTimeoutMs: flags.drainTimeout,
        allowedHosts: flags.allowedHost,
        corsOrigins: flags.corsOrigin,
        log: context.stderr,
      });
      context.stdout.write(`aquila serve: listening on ${server.url} (playground at ${server.url}/)\n`);
      await closeOnSignals(server);
      context.stdout.write('aquila serve: stopped\n');
    });
}
