import { spawn } from 'node:child_process';
import { moduleCommand } from '@aquila/files';
import { childProcesses, isAlive, needs } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';

const parentScript = moduleCommand({ from: import.meta.url, source: '../test-support/endless-query-parent.ts' });

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (
    const deadline = Date.now() + timeoutMs;
    Date.now() < deadline;
    await new Promise((resolve) => setTimeout(resolve, 100))
  )
    if (condition()) return true;
  return condition();
}

const processList = needs({ processList: true });

describe('native SQLite child processes', () => {
  it.skipIf(processList.skip)(
    `end with their parent, even inside a query that never ends ${processList.label}`,
    async () => {
      const parent = spawn(process.execPath, [...parentScript.execArgv, parentScript.path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
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
        children = childProcesses({ parent: parent.pid as number });
        expect(children.length).toBeGreaterThan(0);
        // Killed outright (a timeout, a closed terminal): no exit handler of the parent runs.
        parent.kill('SIGKILL');
        expect(await waitFor(() => children.every((pid) => !isAlive(pid)), 10_000)).toBe(true);
      } finally {
        parent.kill('SIGKILL');
        for (const pid of children) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
    },
    90_000,
  );
});
