import { join } from 'node:path';
import { LaunchError } from './errors.js';
import { launcherLogFile, readRunRecord, writeRunRecord } from './internal/run-record.js';
import { runCommandLine } from './internal/run-command-line.js';

/** Stops a run through FlagScale's `run.py … action=stop` and records it as stopped in `run.json`. */
export async function stopRun(options: { directory: string; signal?: AbortSignal }): Promise<void> {
  const record = await readRunRecord(options.directory);
  const exitCode = await runCommandLine(record.stop, join(options.directory, launcherLogFile), options.signal);
  if (exitCode !== 0) throw new LaunchError(`FlagScale's stop (run.py action=stop) exited with code ${exitCode}; its output is in ${join(options.directory, launcherLogFile)}`);
  await writeRunRecord(options.directory, { ...record, state: 'stopped', stoppedAt: new Date().toISOString() });
}
