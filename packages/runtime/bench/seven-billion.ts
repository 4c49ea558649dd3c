// A whole 7B-shaped conversion on a small machine: Aquila-7B's shape (32 layers of 4096/11008, vocab 100,008) as a
// sparse BF16 checkpoint (14.6 GB of zeros that take no disk: the weights are made by the file system as they are
// read), converted to int4 with a quantised embedding in a fresh process, then loaded and run for two tokens in
// another; each step's peak RSS beside what the estimates said before it started.
// Run: pnpm --filter @aquila/runtime exec tsx bench/seven-billion.ts   (about 4.5 GB of disk for the output)
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { moduleCommand } from '@aquila/files';
import { estimateCheckpointConversion, estimateModelMemory } from '../src/index.js';
import { aquila7bShape } from '../src/test-support/aquila-7b-shape.js';
import { writeSparseCheckpoint } from '../src/test-support/write-sparse-checkpoint.js';

const shape = aquila7bShape;

const gigabytes = (bytes: number): string => (bytes / 1e9).toFixed(2);

async function child(...args: string[]): Promise<{ peak: number; seconds: number; tokens: number[] }> {
  const command = moduleCommand({ from: import.meta.url, source: './seven-billion-child.ts' });
  const { stdout } = await promisify(execFile)(process.execPath, [...command.execArgv, command.path, ...args], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

const workspace = await mkdtemp(join(tmpdir(), 'aquila-runtime-7b-'));
try {
  const checkpoint = join(workspace, 'checkpoint');
  const output = join(workspace, 'int4');
  await mkdir(checkpoint);
  const checkpointBytes = await writeSparseCheckpoint(checkpoint, shape);
  const estimate = await estimateCheckpointConversion({
    checkpoint,
    precision: 'int4',
    quantizeEmbedding: true,
    batchSize: 1,
  });
  const converted = await child('convert', checkpoint, output);
  const written = (await stat(join(output, 'model.onnx.data'))).size;
  const generation = await estimateModelMemory({ path: output, batchSize: 1, contextLength: 18 });
  const generated = await child('generate', output);
  process.stdout.write(
    `\n@aquila/runtime 7B bench: Aquila-7B shape, ${gigabytes(checkpointBytes)} GB BF16 checkpoint (sparse), int4 with a quantised embedding\n\n` +
      '| step | estimated GB | measured GB | seconds |\n| ---- | ------------ | ----------- | ------- |\n' +
      `| weights file written | ${gigabytes(estimate.conversion.outputBytes)} | ${gigabytes(written)} | |\n` +
      `| convert, peak RSS | ${gigabytes(estimate.conversion.peakBytes)} | ${gigabytes(converted.peak)} | ${converted.seconds.toFixed(0)} |\n` +
      `| load + generate 2 tokens (batch 1, 18 positions), peak RSS | ${gigabytes(generation.totalBytes)} | ${gigabytes(generated.peak)} | ${generated.seconds.toFixed(0)} |\n` +
      `| generate at batch 1, full 2048-token context (estimate only) | ${gigabytes(estimate.generation.totalBytes)} | | |\n`,
  );
} finally {
  await rm(workspace, { recursive: true, force: true });
}
