import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { processStartTime } from './process-start-time.js';

const localHosts = new Set(['localhost', '127.0.0.1', '::1']);

/** A process a run recorded: where, its PID, and when it started (see `processStartTime`). */
export interface RecordedProcess {
  host: string;
  pid: number;
  /**
   * Its start time when the run recorded it; null when it had already exited by then; absent when the
   * record predates start times (the PID is then trusted as it is).
   */
  startTime?: string | null;
}

/** Whether `host` names this machine. */
export function isThisHost(host: string): boolean {
  return localHosts.has(host) || host === hostname();
}

/**
 * Whether a run's process is alive: true/false on this machine, undefined for another host or where a
 * recorded start time cannot be checked. A live process whose start time differs from the recorded one
 * holds a reused PID: the run's process is gone (false).
 */
export function processAlive(recorded: RecordedProcess): boolean | undefined {
  const { host, pid, startTime } = recorded;
  if (!isThisHost(host)) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie (exited, not yet reaped, as under an init that never reaps) answers signal 0 but is dead.
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return false;
    } catch {
      return false;
    }
  }
  if (startTime === undefined) return true;
  if (startTime === null) return false;
  const now = processStartTime(pid);
  return now === undefined ? undefined : now === startTime;
}
