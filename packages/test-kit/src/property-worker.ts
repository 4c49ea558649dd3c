// The worker of checkPropertyInWorker: runs one exported property and reports how it ended.
import { parentPort, workerData } from 'node:worker_threads';

const { module, exportName } = workerData as { module: string; exportName: string };
import(module)
  .then((properties: Record<string, () => unknown>) => (properties[exportName] as () => unknown)())
  .then(
    () => parentPort?.postMessage({ ok: true }),
    (error: unknown) =>
      parentPort?.postMessage({ ok: false, message: String((error as Error | undefined)?.stack ?? error) }),
  );
