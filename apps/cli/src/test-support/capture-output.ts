import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import type { CommandContext } from '../program.js';

/** A command context whose stdout and stderr are collected, for the command tests. */
export function captureOutput(): CommandContext & { output: () => string; errors: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { stdout, stderr, output: () => out, errors: () => err };
}

/** Runs one command registered on a fresh program (argv from the command name on) and returns what it printed. */
export async function runCommand(
  register: (program: Command, context: CommandContext) => void,
  argv: readonly string[],
): Promise<{ out: string; err: string }> {
  const context = captureOutput();
  const program = new Command().exitOverride().configureOutput({
    writeOut: (text) => context.stdout.write(text),
    writeErr: (text) => context.stderr.write(text),
  });
  register(program, context);
  await program.parseAsync([...argv], { from: 'user' });
  return { out: context.output(), err: context.errors() };
}
