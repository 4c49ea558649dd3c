import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { embeddedSpider } from '../embedded-spider.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';

interface DemoOptions {
  out: string;
  model?: string;
  spider?: string;
  steps: number;
  questions: number;
  maxNewTokens: number;
  force?: boolean;
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('use a whole number ≥ 1.');
  return count;
}

function requireFiles(flag: string, folder: string, names: string[], what: string): void {
  const missing = names.filter((name) => !existsSync(join(folder, name)));
  if (missing.length > 0) throw new InvalidArgumentError(`${flag} ${folder} has no ${missing.join(', ')}: ${what}`);
}

/**
 * `aquila demo [--out DIR] [--model DIR] [--spider DIR] [--steps N] [--questions N]`: the whole pipeline on
 * embedded defaults (data → in-process training → conversion → generation → Spider evaluation) and one
 * HTML report.
 */
export function registerDemoCommand(program: Command, context: CommandContext): void {
  program
    .command('demo')
    .description(
      'run the whole pipeline on embedded defaults: sample data → tiny model trained in-process → ONNX → answers to Spider dev questions → scores, in one HTML report',
    )
    .option(
      '--out <dir>',
      "the folder to write: data, run, model, spider and report.html; it must be new, empty, or an earlier demo's (which is emptied)",
      'aquila-demo',
    )
    .option('--force', 'write into a folder that holds other files too, emptying it first')
    .option('--model <dir>', 'answer with this converted model (aquila convert) instead of training a tiny one')
    .option(
      '--spider <dir>',
      'Spider dev: dev.json, tables.json, database/ (default: the 60 questions and 16 databases shipped with the CLI)',
    )
    .option('--steps <n>', 'training steps of the tiny model', parseCount, 120)
    .option('--questions <n>', 'Spider dev questions to answer', parseCount, 20)
    .option('--max-new-tokens <n>', 'most tokens generated per answer', parseCount, 80)
    .action(async (options: DemoOptions) => {
      // Folders named on the command line are checked before the output folder is touched.
      if (options.model !== undefined)
        requireFiles('--model', options.model, ['aquila-config.json'], 'give a folder written by aquila convert');
      if (options.spider !== undefined)
        requireFiles('--spider', options.spider, ['dev.json', 'tables.json', 'database'], "give Spider's dev folder");
      const { runDemo } = await import('../demo/run-demo.js');
      const spider = options.spider ?? embeddedSpider();
      context.stdout.write(`Aquila-TS demo → ${options.out}\n`);
      const training = createProgress({ label: 'train', stream: context.stderr, unit: 'it' });
      const answering = createProgress({ label: 'generate', stream: context.stderr, unit: 'answers' });
      const result = await runDemo({
        output: options.out,
        ...(options.model === undefined ? {} : { model: options.model }),
        spider,
        steps: options.steps,
        questions: options.questions,
        maxNewTokens: options.maxNewTokens,
        force: options.force === true,
        onLog: (line) => context.stdout.write(`${line}\n`),
        onTrainingEvent: (event) => {
          if (event.type !== 'iteration') return;
          training.update(event.iteration, event.totalIterations);
          if (event.iteration === event.totalIterations) training.finish();
        },
        onGenerateProgress: ({ done, total }) => {
          answering.update(done, total);
          if (done === total) answering.finish();
        },
      });
      if (result.training !== undefined)
        context.stdout.write(
          'A model this small memorises its training records and scores about 0 on Spider: the demo shows the pipeline, not SQL skill.\n',
        );
      context.stdout.write(`\nReport: ${result.reportFile}\n`);
    });
}
