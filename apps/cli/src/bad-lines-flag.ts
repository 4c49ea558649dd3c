import type { BadLinePolicy } from '@aquila/files';
import type { Command } from 'commander';
import type { CommandContext } from './program.js';

/** `--skip-bad-lines`, worded the same on every command that reads user files line by line. */
export function addSkipBadLinesFlag(command: Command): Command {
  return command.option(
    '--skip-bad-lines',
    'skip lines that cannot be read (broken JSON, a missing field, bytes that are not UTF-8) and report them, instead of stopping at the first',
  );
}

/** Says on stderr how many bad lines were skipped, and the first few, if any were. */
export function reportSkippedLines(policy: BadLinePolicy, context: CommandContext): void {
  const skipped = policy.describe();
  if (skipped !== undefined) context.stderr.write(`${skipped}\n`);
}
