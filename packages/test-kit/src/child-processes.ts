import { readdirSync, readFileSync } from 'node:fs';

export interface ChildProcessesOptions {
  /** The parent's pid. */
  parent: number;
  /** Only children whose command line contains this text (e.g. `execution-process`). */
  command?: string;
}

/** The pids of a process's children now, from /proc/<pid>/stat (the parent id is the second field after the name). */
export function childProcesses(options: ChildProcessesOptions): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== options.parent) return [];
      return options.command === undefined || readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(options.command)
        ? [Number(entry)]
        : [];
    } catch {
      // The process ended while we looked.
      return [];
    }
  });
}

/** Whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
