import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

// Processes whose parent is `parent`, from /proc/<pid>/stat (the parent id is the second field after the name).
function childrenOf(parent: number): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) if (condition()) return true;
  return condition();
}

describe('native SQLite child processes', () => {
  it.skipIf(!existsSync('/proc'))('end with their parent, even inside a query that never ends', async () => {
    const parent = spawn(process.execPath, ['--import', tsx, new URL('./endless-query-parent.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
    let children: number[] = [];
    try {
      const running = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 60_000);
        parent.stdout.on('data', (data: Buffer) => {
          if (data.toString().includes('running')) {
            clearTimeout(timer);
            resolve(true);
          }
        });
        parent.once('exit', () => resolve(false));
      });
      expect(running).toBe(true);
      children = childrenOf(parent.pid as number);
      expect(children.length).toBeGreaterThan(0);
      // Killed outright (a timeout, a closed terminal): no exit handler of the parent runs.
      parent.kill('SIGKILL');
      expect(await waitFor(() => children.every((pid) => !alive(pid)), 10_000)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
      for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 90_000);
});
