import { expect, it } from 'vitest';
import { captureOutput } from '../test-support/capture-output.js';
import { runGenerateDemoStage } from './generate.js';

it('the runtime demo stage converts a random Aquila-vocabulary model and streams an answer', async () => {
  const context = captureOutput();
  await runGenerateDemoStage(context);
  expect(context.output()).toMatch(/random FlagAI-format checkpoint \(pytorch_model.bin, BF16\): 2 layers, hidden 64, vocab 100008/);
  expect(context.output()).toMatch(/prompt: \d+ tokens \(BOS \+ FlagAI default path\)/);
  expect(context.output()).toMatch(/\[(stop|length): \d+ tokens in [\d.]+ s\]/);
  expect(context.errors()).toMatch(/convert int4 100% 17\/17/);
});
