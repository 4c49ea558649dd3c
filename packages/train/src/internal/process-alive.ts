import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

const localHosts = new Set(['localhost', '127.0.0.1', '::1']);

/** Whether a runner process is alive: true/false on this machine, undefined for another host. */
export function processAlive(host: string, pid: number): boolean | undefined {
  if (!localHosts.has(host) && host !== hostname()) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped, as under an init that never reaps) answers signal 0 but is dead.
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
