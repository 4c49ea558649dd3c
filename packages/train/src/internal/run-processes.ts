import { readRunnerPids } from './find-rank-log.js';
import { processAlive } from './process-alive.js';
import type { RunRecord } from './run-record.js';

/** The processes of a run and whether any is alive here or possibly elsewhere. */
export async function runProcesses(record: RunRecord): Promise<Array<{ host: string; pid: number; alive: boolean | undefined }>> {
  if (record.engine === 'local') return [{ host: record.host, pid: record.pid, alive: processAlive(record.host, record.pid) }];
  return (await readRunnerPids(record.experimentDirectory)).map(({ host, pid }) => ({ host, pid, alive: processAlive(host, pid) }));
}

