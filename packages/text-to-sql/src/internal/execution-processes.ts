// Test scaffolding: counts the execution child processes (native SQLite, one per execution pool) of this process.
import { readdirSync, readFileSync } from 'node:fs';

/** Whether processes can be counted here (Linux /proc). */
export const canCountProcesses = ((): boolean => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/** The execution child processes of this process now. */
export function executionProcesses(): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent id is the second field after the parenthesised command name.
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
      if (parent === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('execution-process')) count += 1;
    } catch {
      // The process ended while we looked.
    }
  }
  return count;
}
