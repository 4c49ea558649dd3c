import { AquilaError } from '@aquila/errors';
import { CommanderError } from 'commander';
import { createProgram } from './program.js';

const program = createProgram();
program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (AquilaError.isInstance(error)) {
    process.stderr.write(`aquila: ${error.message} [${error.code}]\n`);
    process.exitCode = 1;
  } else if (error instanceof Error && error.name === 'AbortError') {
    process.stderr.write('aquila: cancelled\n');
    process.exitCode = 130;
  } else {
    throw error;
  }
}
