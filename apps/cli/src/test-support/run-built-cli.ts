import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built `aquila` binary, as a user runs it after `pnpm build` (or from the packed package). */
export const builtCli = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface RunBuiltCliOptions {
  args: readonly string[];
  cwd?: string;
  /** Written to stdin, then stdin is closed (stdin is closed at once without it). */
  input?: string | Uint8Array;
  /** Added to the environment. */
  environment?: Record<string, string>;
  /** Past this the process is killed and the result says `timedOut` (default 60 s). */
  timeoutMs?: number;
}

export interface BuiltCliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs the built CLI in a child process and collects what a user would see; never waits past `timeoutMs`. */
export function runBuiltCli(options: RunBuiltCliOptions): Promise<BuiltCliResult> {
  if (!existsSync(builtCli))
    throw new Error(`${builtCli} is missing: run \`pnpm build\` first (npm test builds when needed).`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, ...options.args], {
      cwd: options.cwd,
      env: { ...process.env, AQUILA_DEBUG: '', ...options.environment },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, timedOut });
    });
  });
}
