import { runCli } from './run-cli.js';

const status = await runCli({ argv: process.argv, stdout: process.stdout, stderr: process.stderr });
// Exit once the output is flushed rather than when the event loop empties: at a natural exit V8 first
// finishes every queued background compile job, which after a short, hot command (aquila eval) is 50–100 ms.
// Every command has awaited its own work by now (serve returns only once the server is closed).
const flushed = (stream: NodeJS.WriteStream): Promise<void> =>
  new Promise((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(status);
