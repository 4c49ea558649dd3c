import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommand } from '../test-support/capture-output.js';
import { registerDemoCommand } from './demo.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-demo-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

it('aquila demo runs the pipeline on fast settings and prints where its report is', { timeout: 300_000 }, async () => {
  const out = join(directory, 'demo');
  const { out: stdout, err } = await runCommand(registerDemoCommand, [
    'demo',
    '--out',
    out,
    '--steps',
    '3',
    '--questions',
    '1',
    '--max-new-tokens',
    '6',
  ]);
  expect(stdout).toMatch(/^Aquila-TS demo → /);
  expect(stdout).toMatch(/\ndata: \d+ of \d+ records kept from 8 sample sources → \d+ SFT records/);
  expect(stdout).toMatch(/\ntrain: 2 layers × 128, [\d,]+ parameters over \d+ token ids, 3 steps in/);
  expect(stdout).toContain(
    `\nconvert: ${join(out, 'run', 'checkpoints', 'iter_0000003')} → ONNX (fp32) in ${join(out, 'model')}\n`,
  );
  expect(stdout).toMatch(/\nevaluate: Spider dev, 1 questions: exact match \d, execution \d\n/);
  expect(stdout.endsWith(`\nReport: ${join(out, 'report.html')}\n`)).toBe(true);
  expect(err).toMatch(/train .*3\/3/);
  const html = await readFile(join(out, 'report.html'), 'utf8');
  expect(html).toContain('<h1>Aquila-TS demo report</h1>');
  expect(html).toContain('<h2>Spider dev scores</h2>');
  expect(existsSync(join(out, 'data', 'sft.jsonl'))).toBe(true);
});

it('aquila demo rejects bad counts', async () => {
  await expect(runCommand(registerDemoCommand, ['demo', '--steps', '0'])).rejects.toThrow(/whole number ≥ 1/);
});
