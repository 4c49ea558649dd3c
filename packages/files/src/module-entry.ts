import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A module that runs on its own, in a worker thread or a child process: its TypeScript source, and the file
 * the build makes of it. The package's tests run the source (through tsx); an installed package runs the build.
 */
export interface ModuleEntry {
  /** The `import.meta.url` of the module that starts it: a `.ts` URL means the sources are running (Vitest, tsx). */
  from: string;
  /** The source, relative to `from`: `'../encode-worker.ts'`. */
  source: string;
  /**
   * The built file, relative to `from` in the build (tsup writes each entry beside `index.js`):
   * `'./encode-worker.js'`. None for a module that only runs from the sources (a test's child).
   */
  built?: string;
}

export interface ModuleCommand {
  /** The file to run. */
  path: string;
  /** The Node options that load it: tsx's loader for a TypeScript source, none for a build. */
  execArgv: string[];
}

export interface StartModuleWorkerOptions extends ModuleEntry, Omit<WorkerOptions, 'eval' | 'execArgv'> {}

/** Sibling packages resolve to their sources too, as in the tests (each package's `@aquila/source` export). */
const sourceCondition = '--conditions=@aquila/source';

/** The source when the sources are running (or there is no build), else the build. */
function entryUrl(entry: ModuleEntry): URL {
  return new URL(entry.built === undefined || entry.from.endsWith('.ts') ? entry.source : entry.built, entry.from);
}

/**
 * tsx's loader, set up in code because Node 20 gives a worker no loader hooks of its parent. It reads the
 * tsconfig.json nearest the source.
 */
function tsxRegistration(source: URL): { api: string; options: string } {
  const api = new URL(
    'dist/esm/api/index.mjs',
    pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json')),
  ).href;
  let directory = dirname(fileURLToPath(source));
  while (!existsSync(join(directory, 'tsconfig.json')) && dirname(directory) !== directory)
    directory = dirname(directory);
  const tsconfig = join(directory, 'tsconfig.json');
  return { api, options: JSON.stringify(existsSync(tsconfig) ? { tsconfig } : {}) };
}

/**
 * How to run the module in a child process: `fork(path, args, { execArgv })`, or `[...execArgv, path]` after the
 * Node executable (a TypeScript source needs tsx's loader, which `execArgv` carries).
 */
export function moduleCommand(entry: ModuleEntry): ModuleCommand {
  const url = entryUrl(entry);
  if (!url.pathname.endsWith('.ts')) return { path: fileURLToPath(url), execArgv: [] };
  const { api, options } = tsxRegistration(url);
  const register = `const { register } = await import(${JSON.stringify(api)}); register(${options});`;
  return {
    path: fileURLToPath(url),
    execArgv: [sourceCondition, '--import', `data:text/javascript,${encodeURIComponent(register)}`],
  };
}

/** Starts the module in a worker thread: the build as it is, a TypeScript source through tsx's loader. */
export function startModuleWorker(options: StartModuleWorkerOptions): Worker {
  const { from, source, built, ...workerOptions } = options;
  const url = entryUrl({ from, source, built });
  if (!url.pathname.endsWith('.ts')) return new Worker(url, workerOptions);
  const { api, options: registerOptions } = tsxRegistration(url);
  return new Worker(
    `import(${JSON.stringify(api)}).then((api) => { api.register(${registerOptions}); return import(${JSON.stringify(url.href)}); });`,
    { ...workerOptions, eval: true, execArgv: [sourceCondition] },
  );
}
