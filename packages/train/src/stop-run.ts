import { join } from 'node:path';
import { LaunchError } from './errors.js';
import { processAlive } from './internal/process-alive.js';
import { launcherLogFile, readRunRecord, writeRunRecord } from './internal/run-record.js';
import { runCommandLine } from './internal/run-command-line.js';

/**
 * Stops a run, FlagScale's through `run.py … action=stop`, an in-process one by signalling its process,
 * and records it as stopped in `run.json`.
 */
export async function stopRun(options: { directory: string; signal?: AbortSignal }): Promise<void> {
  const record = await readRunRecord(options.directory);
  if (record.engine === 'local') {
    if (processAlive(record.host, record.pid) === true) process.kill(record.pid, 'SIGTERM');
    await writeRunRecord(options.directory, { ...record, state: 'stopped', stoppedAt: new Date().toISOString() });
    return;
  }
  const exitCode = await runCommandLine(record.stop, join(options.directory, launcherLogFile), options.signal);
  if (exitCode !== 0) throw new LaunchError(`FlagScale's stop (run.py action=stop) exited with code ${exitCode}; its output is in ${join(options.directory, launcherLogFile)}`);
  await writeRunRecord(options.directory, { ...record, state: 'stopped', stoppedAt: new Date().toISOString() });
}
