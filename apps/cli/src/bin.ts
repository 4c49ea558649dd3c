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
// Exit once the output is flushed rather than when the event loop empties: at a natural exit V8 first
// finishes every queued background compile job, which after a short, hot command (aquila eval) is 50–100 ms.
// Every command has awaited its own work by now (serve returns only once the server is closed).
const flushed = (stream: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit();
