import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@aquila/files';
import { RunDirectoryError } from '../errors.js';
import type { CommandLine } from '../plan-flagscale-run.js';
import type { RunConfig } from '../run-config.js';
import type { RecordedProcess } from './process-alive.js';

interface RunRecordBase {
  version: 1;
  name: string;
  task: 'pretrain' | 'sft';
  createdAt: string;
  sequenceLength: number;
  totalIterations: number;
  /**
   * launching → launched (FlagScale's run.py returned 0; the local trainer started) | launch-failed;
   * finished or failed when the local trainer returns or throws; stopped after `stopRun`.
   */
  state: 'launching' | 'launched' | 'launch-failed' | 'finished' | 'failed' | 'stopped';
  launcherExitCode?: number;
  stoppedAt?: string;
  /** Why the local trainer failed. */
  error?: string;
}

/** `run.json` of a FlagScale run: how it was started and how to stop it. */
interface FlagScaleRunRecord extends RunRecordBase {
  engine: 'flagscale';
  experimentDirectory: string;
  run: CommandLine;
  stop: CommandLine;
  /** The runner processes of `logs/pids/` as the launcher left them, with their start times (processes on this host). */
  runners?: RecordedProcess[];
}

/** `run.json` of an in-process run: the process that trains. */
export interface LocalRunRecord extends RunRecordBase {
  engine: 'local';
  host: string;
  pid: number;
  /** When the trainer process started (`processStartTime`), so that a later process with the same PID is not taken for it. */
  startTime?: string;
}

/** What `run.json` in a run directory holds. */
export type RunRecord = FlagScaleRunRecord | LocalRunRecord;

/** The fields every new run record starts with. */
export function newRunRecord(
  config: Pick<RunConfig, 'name' | 'task' | 'model'>,
  totalIterations: number,
): Pick<RunRecordBase, 'version' | 'name' | 'task' | 'createdAt' | 'sequenceLength' | 'totalIterations'> {
  return {
    version: 1,
    name: config.name,
    task: config.task,
    createdAt: new Date().toISOString(),
    sequenceLength: config.model.sequenceLength,
    totalIterations,
  };
}

export const runRecordFile = 'run.json';
export const eventsFile = 'events.jsonl';
export const launcherLogFile = 'launcher.log';

export async function writeRunRecord(directory: string, record: RunRecord): Promise<void> {
  await writeFileAtomic({ path: join(directory, runRecordFile), data: `${JSON.stringify(record, null, 2)}\n` });
}

export async function readRunRecord(directory: string): Promise<RunRecord> {
  const path = join(directory, runRecordFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunDirectoryError(
      `${directory} is not a run directory (${path}: ${code ?? String(error)}); give the directory a train run wrote (its output)`,
      { cause: error },
    );
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    throw new RunDirectoryError(`${path} is not valid JSON; the run directory is damaged`, { cause: error });
  }
  const candidate = record as Partial<RunRecord> | null;
  const engineFields =
    candidate?.engine === 'flagscale'
      ? typeof candidate.experimentDirectory === 'string'
      : candidate?.engine === 'local'
        ? typeof candidate.pid === 'number'
        : false;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    candidate.version !== 1 ||
    !engineFields ||
    typeof candidate.state !== 'string'
  ) {
    throw new RunDirectoryError(`${path} is not a run record written by @aquila/train (version 1)`);
  }
  return candidate as RunRecord;
}
