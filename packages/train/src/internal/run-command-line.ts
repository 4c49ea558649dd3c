import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { LaunchError } from '../errors.js';
import { type CommandLine, formatCommandLine } from '../plan-flagscale-run.js';

/** Runs a command to its end with output appended to `logPath`; resolves to its exit code. */
export async function runCommandLine(line: CommandLine, logPath: string, signal?: AbortSignal): Promise<number> {
  const log = await open(logPath, 'a');
  try {
    await log.write(`$ ${formatCommandLine(line)}\n`);
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(line.command, line.args, {
        cwd: line.cwd,
        env: { ...process.env, ...line.env },
        stdio: ['ignore', log.fd, log.fd],
        signal,
      });
      child.once('error', (error) =>
        reject(
          new LaunchError(
            `cannot start ${line.command} in ${line.cwd}: ${error.message}; set flagscale.python to a Python with FlagScale's requirements`,
            { cause: error },
          ),
        ),
      );
      child.once('exit', (code, signalName) => resolve(code ?? (signalName === null ? 1 : 128)));
    });
  } finally {
    await log.close();
  }
}
