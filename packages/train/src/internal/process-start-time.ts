import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let bootIdentity: string | undefined;

// Clock ticks since boot start again at each boot: the boot id keeps a start time from matching a process of another boot.
function currentBoot(): string {
  if (bootIdentity === undefined) {
    try {
      bootIdentity = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdentity = '';
    }
  }
  return bootIdentity;
}

/**
 * When process `pid` started, as a string that a later process given the same PID does not share: on Linux
 * the boot id and field 22 of `/proc/<pid>/stat` (clock ticks after boot), elsewhere `ps -o lstart=`.
 * Recorded at launch and compared before a PID is trusted again. Undefined when there is no such process
 * or its start cannot be read here.
 */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses, so fields are counted from its last ')': field 3 comes first.
      const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3];
      return ticks === undefined || ticks === '' ? undefined : `linux:${currentBoot()}:${ticks}`;
    } catch {
      return undefined;
    }
  }
  const result = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
  const started = result.status === 0 ? result.stdout.trim() : '';
  return started === '' ? undefined : `ps:${started}`;
}
