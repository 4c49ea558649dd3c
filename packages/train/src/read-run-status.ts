import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@aquila/files';
import { checkpointedIteration } from './internal/checkpointed-iteration.js';
import { findRankLog } from './internal/find-rank-log.js';
import { runProcesses } from './internal/run-processes.js';
import { eventsFile, launcherLogFile, readRunRecord } from './internal/run-record.js';
import { parseMegatronLogLine } from './parse-megatron-log-line.js';
import { readRunEvents } from './read-run-events.js';
import type { IterationEvent, TrainingEvent } from './training-event.js';

/** Where a run stands. */
export type RunState = 'launching' | 'launch-failed' | 'running' | 'completed' | 'stopped' | 'died';

/** What `readRunStatus` found in a run directory. */
export interface RunStatus {
  directory: string;
  name: string;
  engine: 'flagscale' | 'local';
  state: RunState;
  /** One line saying what happened, for people. */
  message: string;
  totalIterations: number;
  /** The last logged iteration, its loss and learning rate. */
  last?: IterationEvent;
  /** Events read from the log (also written to `events.jsonl`). */
  events: TrainingEvent[];
  /** The rank log the events come from. */
  logFile?: string;
  /** Runner processes: alive true/false here, undefined on another host. */
  processes: Array<{ host: string; pid: number; alive: boolean | undefined }>;
  /** The end of the log (or of the launcher's output) when the run failed. */
  errorTail: string[];
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

function tail(text: string): string[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const traceback = lines.findLastIndex((line) => line.includes('Traceback (most recent call last)'));
  return traceback >= 0 ? lines.slice(traceback, traceback + 40) : lines.slice(-15);
}

/** Events of a whole rank log, in order. */
function parseLogEvents(text: string, sequenceLength: number): TrainingEvent[] {
  const events: TrainingEvent[] = [];
  for (const line of text.split('\n')) {
    const event = parseMegatronLogLine({ line, sequenceLength });
    if (event !== undefined) events.push(event);
  }
  return events;
}

/**
 * Tells what happened to a run: reads `run.json`, FlagScale's pid files and the last rank's log
 * (rewriting `events.jsonl` from that log), or an in-process run's process and `events.jsonl`, and says whether the run is running, completed, stopped, failed
 * to launch, or died (its processes are gone before the last iteration; `errorTail` shows why). A FlagScale run has
 * completed once an event or its checkpoint tracker reaches the last iteration; a process is taken for the run's
 * only while its start time matches the one recorded at launch (a reused PID is not the run).
 */
export async function readRunStatus(options: { directory: string; signal?: AbortSignal }): Promise<RunStatus> {
  const { directory } = options;
  const record = await readRunRecord(directory);
  options.signal?.throwIfAborted();
  const logFile = record.engine === 'flagscale' ? await findRankLog(record.experimentDirectory) : undefined;
  const logText = logFile === undefined ? '' : await readText(logFile);
  let events: TrainingEvent[];
  if (record.engine === 'flagscale') {
    events = parseLogEvents(logText, record.sequenceLength);
    if (events.length > 0)
      await writeFileAtomic({
        path: join(directory, eventsFile),
        data: events.map((event) => `${JSON.stringify(event)}\n`).join(''),
      });
  } else {
    events = await readRunEvents({ directory }).catch(() => []);
  }
  const processes = await runProcesses(record);
  const last = events.findLast((event): event is IterationEvent => event.type === 'iteration');
  const total = last?.totalIterations ?? record.totalIterations;
  const loss = last?.loss === undefined ? '' : `, loss ${last.loss.toFixed(4)}`;
  const progress = last === undefined ? 'no iteration logged yet' : `iteration ${last.iteration}/${total}${loss}`;
  // Megatron logs only every log_interval-th iteration, so the last one logged may fall short of the end of a
  // finished run: its final checkpoint at train_iters (or any event at the end) says it got there.
  const checkpointed =
    record.engine === 'flagscale' ? await checkpointedIteration(record.experimentDirectory) : undefined;
  const reachedEnd =
    record.state === 'finished' ||
    events.some(({ iteration }) => iteration >= total) ||
    (checkpointed !== undefined && checkpointed >= total);
  const base = {
    directory,
    name: record.name,
    engine: record.engine,
    totalIterations: total,
    events,
    processes,
    ...(last === undefined ? {} : { last }),
    ...(logFile === undefined ? {} : { logFile }),
  };

  if (record.state === 'launch-failed') {
    return {
      ...base,
      state: 'launch-failed',
      message: `the launcher exited with code ${record.launcherExitCode ?? '?'} before training started; see ${join(directory, launcherLogFile)}`,
      errorTail: tail(await readText(join(directory, launcherLogFile))),
    };
  }
  // A local trainer that threw: its process (this one, maybe) lives on, the run does not.
  if (record.state === 'failed')
    return {
      ...base,
      state: 'died',
      message: `the trainer failed: ${record.error ?? 'unknown error'} (${progress})`,
      errorTail: record.error === undefined ? [] : [record.error],
    };
  if (record.state === 'stopped')
    return { ...base, state: 'stopped', message: `stopped at ${record.stoppedAt ?? '?'} (${progress})`, errorTail: [] };
  if (reachedEnd) {
    const logged = last === undefined ? 'no iteration logged' : `last logged: iteration ${last.iteration}${loss}`;
    return {
      ...base,
      state: 'completed',
      message:
        last !== undefined && last.iteration >= total
          ? `completed ${progress}`
          : `completed iteration ${total}/${total} (${logged})`,
      errorTail: [],
    };
  }
  if (processes.some(({ alive }) => alive === true))
    return { ...base, state: 'running', message: `running: ${progress}`, errorTail: [] };
  if (processes.some(({ alive }) => alive === undefined))
    return {
      ...base,
      state: 'running',
      message: `running on ${processes.map(({ host }) => host).join(', ')} as far as the log shows: ${progress}`,
      errorTail: [],
    };
  if (record.state === 'launching')
    return { ...base, state: 'launching', message: 'the launcher has not finished starting the job', errorTail: [] };
  if (record.engine === 'local')
    return {
      ...base,
      state: 'died',
      message: `the trainer process is gone before the last iteration (${progress})`,
      errorTail: [],
    };
  const where =
    logFile === undefined ? `no rank log under ${join(record.experimentDirectory, 'logs')}` : `see ${logFile}`;
  return {
    ...base,
    state: 'died',
    message: `the training processes are gone before the last iteration (${progress}); ${where}`,
    errorTail: tail(logText),
  };
}
