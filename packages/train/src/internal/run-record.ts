import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunDirectoryError } from '../errors.js';
import type { CommandLine } from '../plan-flagscale-run.js';

/** What `run.json` in a run directory holds: how the run was started and what the launcher saw. */
export interface RunRecord {
  version: 1;
  name: string;
  engine: 'flagscale' | 'local';
  task: 'pretrain' | 'sft';
  createdAt: string;
  experimentDirectory: string;
  sequenceLength: number;
  totalIterations: number;
  run: CommandLine;
  stop: CommandLine;
  /** launching → launched (run.py returned 0) | launch-failed; stopped after `stopRun`. */
  state: 'launching' | 'launched' | 'launch-failed' | 'stopped';
  launcherExitCode?: number;
  stoppedAt?: string;
}

export const runRecordFile = 'run.json';
export const eventsFile = 'events.jsonl';
export const launcherLogFile = 'launcher.log';

export async function writeRunRecord(directory: string, record: RunRecord): Promise<void> {
  const path = join(directory, runRecordFile);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temporary, path);
}

export async function readRunRecord(directory: string): Promise<RunRecord> {
  const path = join(directory, runRecordFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunDirectoryError(`${directory} is not a run directory (${path}: ${code ?? String(error)}); give the directory a train run wrote (its output)`, { cause: error });
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    throw new RunDirectoryError(`${path} is not valid JSON; the run directory is damaged`, { cause: error });
  }
  const candidate = record as Partial<RunRecord> | null;
  if (typeof candidate !== 'object' || candidate === null || candidate.version !== 1 || typeof candidate.experimentDirectory !== 'string' || typeof candidate.state !== 'string') {
    throw new RunDirectoryError(`${path} is not a run record written by @aquila/train (version 1)`);
  }
  return candidate as RunRecord;
}
