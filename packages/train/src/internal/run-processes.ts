import { readRunnerPids } from './find-rank-log.js';
import { isThisHost, processAlive, type RecordedProcess } from './process-alive.js';
import { processStartTime } from './process-start-time.js';
import type { RunRecord } from './run-record.js';

/** The processes of a run and whether each is alive here (checked against its recorded start time), or possibly elsewhere. */
export async function runProcesses(
  record: RunRecord,
): Promise<Array<{ host: string; pid: number; alive: boolean | undefined }>> {
  if (record.engine === 'local') return [{ host: record.host, pid: record.pid, alive: processAlive(record) }];
  return (await readRunnerPids(record.experimentDirectory)).map(({ host, pid }) => {
    const recorded = record.runners?.find((runner) => runner.host === host && runner.pid === pid);
    return { host, pid, alive: processAlive(recorded ?? { host, pid }) };
  });
}

/** FlagScale's runner processes with their start times, to record at launch: null for one of this host already gone. */
export async function recordRunners(experimentDirectory: string): Promise<RecordedProcess[]> {
  return (await readRunnerPids(experimentDirectory)).map(({ host, pid }) =>
    isThisHost(host) ? { host, pid, startTime: processStartTime(pid) ?? null } : { host, pid },
  );
}
