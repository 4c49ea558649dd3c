import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '@aquila/files';
import { TokenizerWorkerError } from '../errors.js';
import type { EncodeBatchOptions, Tokenizer } from '../tokenizer.js';

/** Below this many UTF-16 units a batch is encoded in the calling thread: starting workers would cost more. */
const parallelThreshold = 1 << 18;
/** Texts go to workers in chunks of about this many units, so fast workers take more chunks. */
const chunkUnits = 1 << 16;

interface ChunkResult {
  chunk: number;
  ids: Uint32Array;
  lengths: Uint32Array;
}

interface Pool {
  workers: Worker[];
}

const pools = new WeakMap<Tokenizer, Pool>();

/** The worker script: `encode-worker.js` beside `index.js` in a build. */
function startWorker(tokenizer: Tokenizer): Worker {
  const worker = startModuleWorker({
    from: import.meta.url,
    source: '../encode-worker.ts',
    built: './encode-worker.js',
    workerData: { definition: tokenizer.definition, tables: tokenizer.tables },
  });
  worker.unref();
  return worker;
}

function getPool(tokenizer: Tokenizer, size: number): Pool {
  let pool = pools.get(tokenizer);
  if (pool === undefined) {
    pool = { workers: [] };
    pools.set(tokenizer, pool);
  }
  while (pool.workers.length < size) pool.workers.push(startWorker(tokenizer));
  return pool;
}

/** Ends the worker threads of `tokenizer`'s pool, if it has one. */
export async function closeWorkers(tokenizer: Tokenizer): Promise<void> {
  const pool = pools.get(tokenizer);
  pools.delete(tokenizer);
  if (pool !== undefined) await Promise.all(pool.workers.map((worker) => worker.terminate()));
}

/** Chunks each worker holds at once: the next one is queued there while it encodes the current one. */
const chunksInFlight = 2;

/**
 * `encodeBatch`: small batches in this thread; large ones in chunks shared by this thread and `threads - 1`
 * workers. This thread encodes too (a chunk at a time, yielding between chunks to feed the workers): with a
 * pool as large as the core count, the thread that hands out chunks and assembles the results would take
 * a core from the encoders.
 */
export async function encodeInWorkers(
  tokenizer: Tokenizer,
  texts: string[],
  options: EncodeBatchOptions,
): Promise<number[][]> {
  const { signal, threads: requested, ...encodeOptions } = options;
  signal?.throwIfAborted();
  const threads = Math.max(1, Math.floor(requested ?? Math.min(availableParallelism(), 8)));
  let units = 0;
  for (const text of texts) units += text.length;
  if (threads === 1 || units < parallelThreshold) {
    const results: number[][] = [];
    for (let index = 0; index < texts.length; index++) {
      if (index % 256 === 0) signal?.throwIfAborted();
      results.push(tokenizer.encode(texts[index] as string, encodeOptions));
    }
    return results;
  }

  const chunks: Array<[number, number]> = [];
  for (let start = 0; start < texts.length; ) {
    let end = start;
    let size = 0;
    while (end < texts.length && (end === start || size < chunkUnits)) size += (texts[end++] as string).length;
    chunks.push([start, end]);
    start = end;
  }
  const workerCount = Math.min(threads - 1, chunks.length - 1);
  const workers = getPool(tokenizer, workerCount).workers.slice(0, workerCount);
  const results: number[][] = new Array<number[]>(texts.length);

  return new Promise<number[][]>((resolve, reject) => {
    let nextChunk = 0;
    let finished = 0;
    let settled = false;
    const cleanUp = (): void => {
      for (const worker of workers) {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
      }
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      cleanUp();
      // A failed or interrupted pool may hold half-done work: drop it, the next batch starts fresh ones.
      void closeWorkers(tokenizer);
      reject(error);
    };
    const chunkDone = (): void => {
      finished++;
      if (finished < chunks.length) return;
      settled = true;
      cleanUp();
      resolve(results);
    };
    const send = (worker: Worker): void => {
      if (nextChunk >= chunks.length) return;
      const chunk = nextChunk++;
      const [start, end] = chunks[chunk] as [number, number];
      worker.postMessage({ chunk, texts: texts.slice(start, end), options: encodeOptions });
    };
    function onMessage(this: Worker, message: ChunkResult): void {
      if (settled) return;
      send(this);
      const [start] = chunks[message.chunk] as [number, number];
      const flat = message.ids;
      let offset = 0;
      for (let index = 0; index < message.lengths.length; index++) {
        // A plain loop: Array.from would walk the typed array through its iterator, several times slower.
        const ids = new Array<number>(message.lengths[index] as number);
        for (let position = 0; position < ids.length; position++) ids[position] = flat[offset + position] as number;
        results[start + index] = ids;
        offset += ids.length;
      }
      chunkDone();
    }
    function onError(error: Error): void {
      fail(
        new TokenizerWorkerError(
          `An encodeBatch worker thread failed: ${error.message}. The batch was not encoded; retry, or pass threads: 1 to encode in this thread.`,
          { cause: error },
        ),
      );
    }
    function onExit(code: number): void {
      fail(
        new TokenizerWorkerError(
          `An encodeBatch worker thread exited (code ${code}) before finishing. Retry, or pass threads: 1.`,
        ),
      );
    }
    const onAbort = (): void => fail(signal?.reason);
    // This thread's share: one chunk, then back to the event loop so that worker results are taken in.
    const encodeHere = (): void => {
      if (settled || nextChunk >= chunks.length) return;
      const [start, end] = chunks[nextChunk++] as [number, number];
      try {
        for (let index = start; index < end; index++)
          results[index] = tokenizer.encode(texts[index] as string, encodeOptions);
      } catch (error) {
        fail(error);
        return;
      }
      chunkDone();
      setImmediate(encodeHere);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const worker of workers) {
      worker.ref();
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    }
    for (let round = 0; round < chunksInFlight; round++) for (const worker of workers) send(worker);
    setImmediate(encodeHere);
  });
}
