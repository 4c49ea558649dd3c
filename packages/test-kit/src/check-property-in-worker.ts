import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface CheckPropertyInWorkerOptions {
  /** A TypeScript or JavaScript module (file URL) whose export `exportName` runs the property (e.g. `fc.assert(…)`) and throws on failure. */
  module: URL;
  /** The export to call; it may return a promise. */
  exportName: string;
  /** Wall-clock limit: past it the worker is terminated and the check fails as a hang. */
  timeoutMs: number;
}

const tsxApi = new URL(
  'dist/esm/api/index.mjs',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json')),
).href;

/**
 * Runs a property in a worker thread, so that a parser stuck in a synchronous loop fails the test after
 * `timeoutMs` instead of stopping the whole suite (Vitest's timeout cannot interrupt a busy thread; terminating
 * the worker can). The worker loads TypeScript through tsx's loader, which a worker does not inherit.
 */
export function checkPropertyInWorker(options: CheckPropertyInWorkerOptions): Promise<void> {
  const script = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(tsxApi)})
      .then((api) => { api.register(); return import(${JSON.stringify(options.module.href)}); })
      .then((module) => module[${JSON.stringify(options.exportName)}]())
      .then(() => parentPort.postMessage({ ok: true }), (error) => parentPort.postMessage({ ok: false, message: String(error?.stack ?? error) }));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { eval: true });
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (error === undefined) resolve();
      else reject(error);
    };
    const timer = setTimeout(
      () =>
        settle(
          new Error(
            `${options.exportName} in ${options.module.pathname} did not finish within ${options.timeoutMs} ms: a parser may loop forever on some input`,
          ),
        ),
      options.timeoutMs,
    );
    worker.on('message', (message: { ok: boolean; message?: string }) =>
      settle(message.ok ? undefined : new Error(message.message)),
    );
    worker.on('error', (error) => settle(error));
    worker.on('exit', (code) => settle(new Error(`the property worker exited with code ${code} before reporting`)));
  });
}
