import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

async function entries(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch {
    return [];
  }
}

const hostPattern = /^host_(\d+)_/;

function byNumberDescending(names: string[], pattern: RegExp): string[] {
  return names
    .filter((name) => pattern.test(name))
    .sort((left, right) => Number(pattern.exec(right)?.[1]) - Number(pattern.exec(left)?.[1]));
}

/**
 * The log Megatron prints progress to: the last rank's `stdout.log` in FlagScale's
 * `logs/details/host_<node rank>_<host>/<timestamp>/<rdzv>/attempt_<n>/<local rank>/`, newest launch,
 * last node, last attempt; else that node's `logs/host_<r>_<host>.output`.
 */
export async function findRankLog(experimentDirectory: string): Promise<string | undefined> {
  const logs = join(experimentDirectory, 'logs');
  const details = join(logs, 'details');
  for (const host of byNumberDescending(await entries(details), hostPattern)) {
    const stamps = (await entries(join(details, host))).sort().reverse();
    for (const stamp of stamps) {
      for (const rendezvous of (await entries(join(details, host, stamp))).sort().reverse()) {
        for (const attempt of byNumberDescending(
          await entries(join(details, host, stamp, rendezvous)),
          /^attempt_(\d+)$/,
        )) {
          // The last rank's file may not exist yet while the job starts; it is still the one to read.
          const [rank] = byNumberDescending(await entries(join(details, host, stamp, rendezvous, attempt)), /^(\d+)$/);
          if (rank !== undefined) return join(details, host, stamp, rendezvous, attempt, rank, 'stdout.log');
        }
      }
    }
  }
  const outputs = byNumberDescending(
    (await entries(logs)).filter((name) => name.endsWith('.output')),
    hostPattern,
  );
  return outputs[0] === undefined ? undefined : join(logs, outputs[0]);
}

/** The processes FlagScale's runner started: `logs/pids/host_<r>_<host>.pid`. */
export async function readRunnerPids(experimentDirectory: string): Promise<Array<{ host: string; pid: number }>> {
  const pids = join(experimentDirectory, 'logs', 'pids');
  const result: Array<{ host: string; pid: number }> = [];
  for (const name of await entries(pids)) {
    const match = /^host_\d+_(.+)\.pid$/.exec(name);
    if (match === null) continue;
    const pid = Number((await readFile(join(pids, name), 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 0) result.push({ host: match[1] as string, pid });
  }
  return result;
}
