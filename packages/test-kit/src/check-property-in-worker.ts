import { startModuleWorker } from '@aquila/files';

export interface CheckPropertyInWorkerOptions {
  /** A TypeScript or JavaScript module (file URL) whose export `exportName` runs the property (e.g. `fc.assert(…)`) and throws on failure. */
  module: URL;
  /** The export to call; it may return a promise. */
  exportName: string;
  /** Wall-clock limit: past it the worker is terminated and the check fails as a hang. */
  timeoutMs: number;
}

/**
 * Runs a property in a worker thread, so that a parser stuck in a synchronous loop fails the test after
 * `timeoutMs` instead of stopping the whole suite (Vitest's timeout cannot interrupt a busy thread; terminating
 * the worker can).
 */
export function checkPropertyInWorker(options: CheckPropertyInWorkerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker({
      from: import.meta.url,
      source: './property-worker.ts',
      workerData: { module: options.module.href, exportName: options.exportName },
    });
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
