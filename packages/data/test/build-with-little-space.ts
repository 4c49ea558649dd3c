// A child process for build-dataset.test.ts, started under `ulimit -f` so that writing the outputs fails with
// EFBIG, as on a full disk: builds the JSONL source argv[2] into argv[3] and prints how the build ended.
import { buildDataset } from '../src/build/build-dataset.js';

const [source, outDirectory] = process.argv.slice(2) as [string, string];
try {
  await buildDataset({
    config: { sources: [{ type: 'Text-to-sql-v1', path: source }], filters: { validate: false } },
    outDirectory,
  });
  process.stdout.write('finished\n');
} catch (error) {
  process.stdout.write(`failed ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
}
