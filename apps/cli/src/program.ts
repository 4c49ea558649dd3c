import { Command } from 'commander';
import { registerConvertCommand } from './commands/convert.js';
import { registerDataCommand } from './commands/data.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerGenerateCommand } from './commands/generate.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerPullCommand } from './commands/pull.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSqlCommand } from './commands/sql.js';
import { registerTokenizeCommand } from './commands/tokenize.js';
import { registerTrainCommand } from './commands/train.js';
import { registerVoteCommand } from './commands/vote.js';
import { version } from './version.js';

export interface ProgramOptions {
  /** Where normal output goes; defaults to process.stdout. */
  stdout?: NodeJS.WritableStream;
  /** Where diagnostics go; defaults to process.stderr. */
  stderr?: NodeJS.WritableStream;
}

/** Builds the `aquila` command tree. Each command only parses flags and calls package APIs. */
export function createProgram(options: ProgramOptions = {}): Command {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const program = new Command('aquila')
    .description('Aquila-TS: data, training, runtime and evaluation for text-to-SQL language models')
    .version(version, '-v, --version')
    .option('--debug', 'print the stack of a failure (or set AQUILA_DEBUG=1)')
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) });
  const context = { stdout, stderr };
  registerDemoCommand(program, context);
  registerDataCommand(program, context);
  registerTokenizeCommand(program, context);
  registerTrainCommand(program, context);
  registerConvertCommand(program, context);
  registerGenerateCommand(program, context);
  registerPullCommand(program, context);
  registerEvalCommand(program, context);
  registerSqlCommand(program, context);
  registerServeCommand(program, context);
  registerPredictCommand(program, context);
  registerVoteCommand(program, context);
  return program;
}

export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
