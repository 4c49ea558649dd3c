import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LaunchError } from './errors.js';
import { isThisHost, processAlive } from './internal/process-alive.js';
import { runCommandLine } from './internal/run-command-line.js';
import { type LocalRunRecord, launcherLogFile, readRunRecord, writeRunRecord } from './internal/run-record.js';
import { type RunState, type RunStatus, readRunStatus } from './read-run-status.js';

/** What `stopRun` did. */
export interface StopRunResult {
  /** True when this call stopped the run; false when it had already ended (nothing was signalled and `run.json` is unchanged). */
  stopped: boolean;
  /** `stopped` after a stop; otherwise the state the run had ended in: `completed`, `died`, `stopped` or `launch-failed`. */
  state: RunState;
  /** One line for people, e.g. `runs/x had already ended (completed iteration 10/10); nothing was stopped`. */
  message: string;
}

/** How long a signalled trainer may take to exit before `stopRun` says it did not. */
const exitWaitMs = 10_000;

/**
 * Sends SIGTERM to a live in-process trainer that is verifiably the run's and waits (bounded) until it is
 * gone; false when it had ended by itself meanwhile.
 */
async function endTrainer(
  directory: string,
  record: LocalRunRecord,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const { host, pid } = record;
  if (!isThisHost(host))
    throw new LaunchError(
      `${directory}: the trainer is process ${pid} on ${host}, not this machine; run aquila train stop there`,
    );
  // Without a recorded start time a live PID may belong to any later process: refuse rather than signal a stranger.
  if (record.startTime === undefined) {
    throw new LaunchError(
      `${directory}: run.json records no start time for process ${pid}, so it cannot tell whether that PID is still the trainer; if it is, end it yourself (kill ${pid})`,
    );
  }
  const alive = processAlive(record);
  if (alive === undefined)
    throw new LaunchError(
      `${directory}: cannot read the start time of process ${pid} on this system to check that it is the trainer; if it is, end it yourself (kill ${pid})`,
    );
  if (!alive) return false;
  process.kill(pid, 'SIGTERM');
  for (const deadline = Date.now() + exitWaitMs; processAlive(record) === true; ) {
    if (Date.now() > deadline)
      throw new LaunchError(
        `${directory}: sent SIGTERM to the trainer (process ${pid}), and it is still running after ${exitWaitMs / 1000} s; run aquila train stop again, or end it with kill -KILL ${pid}`,
      );
    await sleep(50, undefined, signal === undefined ? {} : { signal });
  }
  return true;
}

function alreadyEnded(status: RunStatus): StopRunResult {
  return {
    stopped: false,
    state: status.state,
    message: `${status.directory} had already ended (${status.state}: ${status.message}); nothing was stopped`,
  };
}

/**
 * Stops a run, FlagScale's through `run.py … action=stop`, an in-process one by signalling its trainer
 * (only while its PID still belongs to the process recorded at launch), and records it as stopped in
 * `run.json`. A run that has already ended (completed, died, stopped, failed to launch) is left as it is:
 * the result says so, with its state. Throws `LaunchError` when the run cannot be stopped from here.
 */
export async function stopRun(options: { directory: string; signal?: AbortSignal }): Promise<StopRunResult> {
  const { directory, signal } = options;
  const status = await readRunStatus({ directory, ...(signal === undefined ? {} : { signal }) });
  if (status.state !== 'running' && status.state !== 'launching') return alreadyEnded(status);
  const record = await readRunRecord(directory);
  if (record.engine === 'local') {
    if (!(await endTrainer(directory, record, signal))) return alreadyEnded(await readRunStatus({ directory }));
  } else {
    const exitCode = await runCommandLine(record.stop, join(directory, launcherLogFile), signal);
    if (exitCode !== 0)
      throw new LaunchError(
        `FlagScale's stop (run.py action=stop) exited with code ${exitCode}; its output is in ${join(directory, launcherLogFile)}`,
      );
  }
  await writeRunRecord(directory, { ...record, state: 'stopped', stoppedAt: new Date().toISOString() });
  return { stopped: true, state: 'stopped', message: `stopped ${directory} (${status.message})` };
}
