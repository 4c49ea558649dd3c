import { removeTemporaryFilesSync } from '@aquila/files';
import { Command, CommanderError } from 'commander';
import { describeFailure } from './describe-failure.js';
import { createProgram } from './program.js';

export interface RunCliOptions {
  /** process.argv: node, the script, then the user's arguments. */
  argv: readonly string[];
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Environment variables (AQUILA_DEBUG=1 adds stacks). */
  environment?: NodeJS.ProcessEnv;
}

/** `aquila data pack` for the arguments given: the deepest command their leading words name. */
function commandName(program: Command, args: readonly string[]): string {
  const names = ['aquila'];
  let command = program;
  for (const word of args) {
    if (word.startsWith('-')) continue;
    const next = command.commands.find((candidate) => candidate.name() === word || candidate.aliases().includes(word));
    if (next === undefined) break;
    names.push(next.name());
    command = next;
  }
  return names.join(' ');
}

/** Commands with subcommands and no action of their own: run bare, they ask for a subcommand. */
function needsSubcommand(program: Command, args: readonly string[]): Command | undefined {
  let command = program;
  for (const word of args) {
    if (word.startsWith('-')) return undefined;
    const next = command.commands.find((candidate) => candidate.name() === word);
    if (next === undefined) return undefined;
    command = next;
  }
  const hasAction = (command as unknown as { _actionHandler?: unknown })._actionHandler != null;
  return command.commands.length > 0 && !hasAction ? command : undefined;
}

/**
 * Runs the `aquila` command line inside one error boundary and resolves to the exit status. Every failure is
 * one line on stderr, `aquila <command>: <what, where, what to do> [CODE]` (with the stack under --debug or
 * AQUILA_DEBUG=1); usage errors exit 2, failures 1. Ctrl-C and SIGTERM exit 130/143 without leaving temporary
 * files (the exit hook of @aquila/files removes them); a closed stdout ends the command quietly with 0.
 */
export async function runCli(options: RunCliOptions): Promise<number> {
  const args = options.argv.slice(2);
  const environment = options.environment ?? process.env;
  const debug = args.includes('--debug') || environment.AQUILA_DEBUG === '1';
  const program = createProgram({ stdout: options.stdout, stderr: options.stderr });
  const command = commandName(program, args);
  const report = (error: unknown): number => {
    const failure = describeFailure(error, command);
    if (failure.quiet === true) return failure.exitCode;
    options.stderr.write(`${command}: ${failure.message} [${failure.code}]\n`);
    if (debug && error instanceof Error && error.stack !== undefined) options.stderr.write(`${error.stack}\n`);
    return failure.exitCode;
  };

  // A closed pipe shows up as an 'error' event on the stream, after the write that hit it; errors thrown from
  // callbacks and event handlers reach no await: both end the command here, with the same one line.
  const onEscapedError = (error: unknown): void => {
    const code = report(error);
    removeTemporaryFilesSync();
    process.exit(code);
  };
  options.stdout.on('error', onEscapedError);
  process.on('uncaughtException', onEscapedError);
  process.on('unhandledRejection', onEscapedError);
  // `serve` drains requests on SIGINT/SIGTERM itself; every other command stops at once, cleaning up at exit.
  const onSignal = (signal: NodeJS.Signals): void => {
    options.stderr.write(`\n${command}: cancelled by ${signal} [AQUILA_CANCELLED]\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const handlesSignals = command !== 'aquila serve';
  if (handlesSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    // Commander's own error printing is replaced by the one line above, on every command of the tree.
    const quiet = (command: Command): void => {
      command.exitOverride();
      command.configureOutput({ writeOut: (text) => options.stdout.write(text), writeErr: (text) => options.stderr.write(text), outputError: () => undefined });
      for (const sub of command.commands) quiet(sub);
    };
    quiet(program);
    const bare = needsSubcommand(program, args);
    if (bare !== undefined) {
      const name = command === 'aquila' ? 'a command' : 'a subcommand';
      options.stderr.write(`${command}: give ${name} (${bare.commands.map((sub) => sub.name()).join(', ')}); see '${command} --help' [AQUILA_USAGE]\n`);
      return 2;
    }
    await program.parseAsync([...options.argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')) return 0;
    return report(error);
  } finally {
    options.stdout.removeListener('error', onEscapedError);
    process.removeListener('uncaughtException', onEscapedError);
    process.removeListener('unhandledRejection', onEscapedError);
    if (handlesSignals) {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  }
}
