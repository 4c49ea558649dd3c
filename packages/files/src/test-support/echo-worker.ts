// For module-entry.test.ts: a TypeScript worker that answers with its worker data.
import { parentPort, workerData } from 'node:worker_threads';

const answer: { echo: unknown } = { echo: workerData };
parentPort?.postMessage(answer);
