import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LaunchError } from './errors.js';
import { processStartTime } from './internal/process-start-time.js';
import { readRunStatus } from './read-run-status.js';
import { stopRun } from './stop-run.js';

let directory: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-stop-'));
});

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
  await rm(directory, { recursive: true, force: true });
});

/** A live process that is not a trainer: it stands for whatever process holds a PID later. */
async function startBystander(): Promise<ChildProcess & { pid: number }> {
  child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return child as ChildProcess & { pid: number };
}

/** run.json of an in-process run, as trainLocally writes it. */
async function writeLocalRun(fields: {
  pid: number;
  state: string;
  startTime?: string;
  host?: string;
}): Promise<string> {
  const { host = hostname(), ...rest } = fields;
  const text = `${JSON.stringify({ version: 1, name: 'tiny', task: 'sft', createdAt: '2025-01-01T00:00:00.000Z', sequenceLength: 64, totalIterations: 10, engine: 'local', host, ...rest }, null, 2)}\n`;
  await writeFile(join(directory, 'run.json'), text);
  return text;
}

/** Whether the bystander got no signal: it still runs a while after `stopRun` returned. */
async function untouched(process: ChildProcess): Promise<boolean> {
  await sleep(300);
  return process.exitCode === null && process.signalCode === null;
}

describe('stopRun', () => {
  it('does not signal a process that took over the PID of an ended trainer, and leaves run.json as it was', async () => {
    const bystander = await startBystander();
    // The trainer ended; its PID now belongs to another process, which started at another time.
    const record = await writeLocalRun({ pid: bystander.pid, state: 'launched', startTime: 'linux:another-boot:1' });
    const result = await stopRun({ directory });
    expect(result).toEqual({
      stopped: false,
      state: 'died',
      message: expect.stringMatching(/had already ended \(died: the trainer process is gone before the last iteration/),
    });
    expect(await untouched(bystander)).toBe(true);
    expect(await readFile(join(directory, 'run.json'), 'utf8')).toBe(record);
    expect((await readRunStatus({ directory })).processes).toEqual([
      { host: hostname(), pid: bystander.pid, alive: false },
    ]);
  });

  it('leaves a finished run as it is, even while its recorded process lives on', async () => {
    const bystander = await startBystander();
    const record = await writeLocalRun({
      pid: bystander.pid,
      state: 'finished',
      startTime: processStartTime(bystander.pid) as string,
    });
    const result = await stopRun({ directory });
    expect(result).toMatchObject({ stopped: false, state: 'completed' });
    expect(result.message).toMatch(/had already ended \(completed: .*\); nothing was stopped$/);
    expect(await untouched(bystander)).toBe(true);
    expect(await readFile(join(directory, 'run.json'), 'utf8')).toBe(record);
    // Stopping a stopped run changes nothing either.
    const stopped = await writeLocalRun({
      pid: bystander.pid,
      state: 'stopped',
      startTime: processStartTime(bystander.pid) as string,
    });
    expect(await stopRun({ directory })).toMatchObject({ stopped: false, state: 'stopped' });
    expect(await readFile(join(directory, 'run.json'), 'utf8')).toBe(stopped);
  });

  it('signals the trainer while its PID is still the process recorded at launch, waits for it, and records the stop', async () => {
    const trainer = await startBystander();
    await writeLocalRun({ pid: trainer.pid, state: 'launched', startTime: processStartTime(trainer.pid) as string });
    expect((await readRunStatus({ directory })).state).toBe('running');
    const exited = once(trainer, 'exit');
    const result = await stopRun({ directory });
    expect(result).toMatchObject({ stopped: true, state: 'stopped' });
    expect(await exited).toEqual([null, 'SIGTERM']);
    expect((await readRunStatus({ directory })).state).toBe('stopped');
  });

  it('refuses to signal a PID it cannot verify, or one on another host', async () => {
    const bystander = await startBystander();
    // A record without a start time cannot tell the trainer from a later process with its PID.
    await writeLocalRun({ pid: bystander.pid, state: 'launched' });
    await expect(stopRun({ directory })).rejects.toThrow(LaunchError);
    await expect(stopRun({ directory })).rejects.toThrow(
      new RegExp(`records no start time for process ${bystander.pid}.*kill ${bystander.pid}`),
    );
    await writeLocalRun({
      pid: bystander.pid,
      state: 'launched',
      startTime: processStartTime(bystander.pid) as string,
      host: 'node-elsewhere',
    });
    await expect(stopRun({ directory })).rejects.toThrow(
      /process \d+ on node-elsewhere, not this machine; run aquila train stop there/,
    );
    expect(await untouched(bystander)).toBe(true);
    expect(JSON.parse(await readFile(join(directory, 'run.json'), 'utf8'))).toMatchObject({ state: 'launched' });
  });
});
