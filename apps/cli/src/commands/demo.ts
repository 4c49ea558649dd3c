import type { Command } from 'commander';
import type { CommandContext } from '../program.js';
import { runDataDemoStage } from './data.js';
import { runEvalDemoStage } from './eval.js';
import { runGenerateDemoStage } from './generate.js';
import { runTokenizeDemoStage } from './tokenize.js';
import { runTrainDemoStage } from './train.js';

/** The stages of the end-to-end demo that exist so far; each issue adds its stage here. */
const stages: { name: string; run: (context: CommandContext) => Promise<void> }[] = [
  { name: 'tokenizer: Aquila BPE', run: runTokenizeDemoStage },
  { name: 'data: sample sources to pretraining and SFT files', run: runDataDemoStage },
  { name: 'train: a tiny model trained in-process on the sample SFT records', run: runTrainDemoStage },
  { name: 'runtime: checkpoint to int4 ONNX, streamed generation', run: runGenerateDemoStage },
  { name: 'sql-metrics: Spider dev exact match, official verdicts', run: runEvalDemoStage },
];

export function registerDemoCommand(program: Command, context: CommandContext): void {
  program
    .command('demo')
    .description('run every pipeline stage that exists on embedded defaults')
    .action(async () => {
      context.stdout.write(`Aquila-TS demo: ${stages.length} stage(s)\n`);
      if (stages.length === 0) context.stdout.write('No pipeline stage has landed yet; nothing to run.\n');
      for (const stage of stages) {
        context.stdout.write(`\n== ${stage.name} ==\n`);
        await stage.run(context);
      }
    });
}
