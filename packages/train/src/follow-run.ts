import { appendFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '@aquila/files';
import { RunDirectoryError } from './errors.js';
import { checkpointedIteration } from './internal/checkpointed-iteration.js';
import { findRankLog } from './internal/find-rank-log.js';
import { runProcesses } from './internal/run-processes.js';
import { eventsFile, readRunRecord } from './internal/run-record.js';
import { parseMegatronLogLine } from './parse-megatron-log-line.js';
import type { TrainingEvent } from './training-event.js';

/** Options of `followRun`. */
export interface FollowRunOptions {
  /** The run directory. */
  directory: string;
  /** How often to look for new log lines; default 1000 ms. */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Follows a launched run: tails the last rank's log as it grows, yields each progress line as a typed
 * event and appends it to `events.jsonl` (rewritten from the start of the log), and ends once the
 * runner's processes are gone, or the run has reached its last iteration, and the log is read to its end.
 */
export async function* followRun(options: FollowRunOptions): AsyncGenerator<TrainingEvent> {
  const { directory, signal } = options;
  const interval = options.pollIntervalMs ?? 1000;
  const record = await readRunRecord(directory);
  if (record.engine !== 'flagscale')
    throw new RunDirectoryError(
      `${directory} is an in-process run; its events are in ${join(directory, eventsFile)} (readRunEvents)`,
    );
  const eventsPath = join(directory, eventsFile);
  // Rewritten from the start of the log; then appended to line by line as the run goes (a live log, read by readRunEvents).
  await writeFileAtomic({ path: eventsPath, data: '' });
  let logFile: string | undefined;
  let offset = 0;
  let partial = '';
  let reachedEnd = false;
  const decoder = new TextDecoder();
  for (;;) {
    signal?.throwIfAborted();
    // Decide before reading, so lines written just before the processes exit are still read.
    // Processes on other hosts cannot be checked from here; an event at the last iteration, or the final
    // checkpoint (Megatron logs only every log_interval-th iteration), ends those runs.
    const finished =
      reachedEnd ||
      ((await checkpointedIteration(record.experimentDirectory)) ?? 0) >= record.totalIterations ||
      (await readRunRecord(directory)).state !== 'launched' ||
      !(await runProcesses(record)).some(({ alive }) => alive !== false);
    // Until the first bytes arrive, a newer launch or a later rank may still appear.
    if (offset === 0) logFile = await findRankLog(record.experimentDirectory);
    const handle = logFile === undefined ? undefined : await open(logFile, 'r').catch(() => undefined);
    if (handle !== undefined) {
      try {
        const buffer = new Uint8Array(1 << 16);
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          partial += decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
        }
      } finally {
        await handle.close();
      }
      const lines = partial.split('\n');
      partial = finished ? '' : (lines.pop() ?? '');
      const events: TrainingEvent[] = [];
      for (const line of lines) {
        const event = parseMegatronLogLine({ line, sequenceLength: record.sequenceLength });
        if (event === undefined) continue;
        events.push(event);
        if (
          event.iteration >=
          ((event.type === 'iteration' ? event.totalIterations : undefined) ?? record.totalIterations)
        )
          reachedEnd = true;
      }
      if (events.length > 0) await appendFile(eventsPath, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
      yield* events;
    }
    if (finished) return;
    await sleep(interval, undefined, { signal });
  }
}
