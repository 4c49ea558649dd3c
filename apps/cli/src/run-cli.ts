import { removeTemporaryFilesSync } from '@aquila/files';
import { type Command, CommanderError } from 'commander';
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

/**
 * The command the arguments name: the deepest one their leading words reach (`aquila data pack`), and whether
 * they are nothing but those words (so a command that only groups subcommands was run bare).
 */
function namedCommand(program: Command, args: readonly string[]): { name: string; command: Command; bare: boolean } {
  const names = ['aquila'];
  let command = program;
  let bare = true;
  for (const word of args) {
    const next = word.startsWith('-')
      ? undefined
      : command.commands.find((candidate) => candidate.name() === word || candidate.aliases().includes(word));
    if (next === undefined) {
      bare = false;
      // Flags may stand before the words that name a subcommand (`aquila --debug data pack`).
      if (word.startsWith('-')) continue;
      break;
    }
    names.push(next.name());
    command = next;
  }
  return { name: names.join(' '), command, bare };
}

/** Whether a command only groups subcommands (no action of its own): run bare, it asks for one. */
function groupsOnly(command: Command): boolean {
  return command.commands.length > 0 && (command as unknown as { _actionHandler?: unknown })._actionHandler == null;
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
  const named = namedCommand(program, args);
  const command = named.name;
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
      command.configureOutput({
        writeOut: (text) => options.stdout.write(text),
        writeErr: (text) => options.stderr.write(text),
        outputError: () => undefined,
      });
      for (const sub of command.commands) quiet(sub);
    };
    quiet(program);
    if (named.bare && groupsOnly(named.command)) {
      const name = command === 'aquila' ? 'a command' : 'a subcommand';
      options.stderr.write(
        `${command}: give ${name} (${named.command.commands.map((sub) => sub.name()).join(', ')}); see '${command} --help' [AQUILA_USAGE]\n`,
      );
      return 2;
    }
    await program.parseAsync([...options.argv]);
    return 0;
  } catch (error) {
    if (
      error instanceof CommanderError &&
      (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
    )
      return 0;
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
