import type { FlagScaleRunPlan, RunConfig, TrainingEvent } from '@aquila/train';
import type { Command } from 'commander';
import * as v from 'valibot';
import { choiceFlag, numberFlag } from '../flag-parser.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';

interface TrainOptions {
  config?: string;
  engine?: RunConfig['engine'];
  dryRun?: boolean;
  detach?: boolean;
  pollInterval: number;
}

const parseEngine = choiceFlag(['flagscale', 'local'] satisfies RunConfig['engine'][], 'use "flagscale" or "local".');
const parseMilliseconds = numberFlag('use a number of milliseconds ≥ 10.', v.minValue(10));

async function describePlan(config: RunConfig, plan: FlagScaleRunPlan): Promise<string> {
  const { formatCommandLine } = await import('@aquila/train');
  const length =
    'trainSamples' in plan.length ? `${plan.length.trainSamples} samples` : `${plan.length.trainIterations} iterations`;
  const lines = [
    `# FlagScale ${config.task} run "${config.name}": ${length}, ${plan.totalIterations} iterations of ${config.batch.globalBatchSize} samples of ${config.model.sequenceLength} tokens`,
    ...(plan.resumeIteration === undefined
      ? []
      : [`# resumes from iteration ${plan.resumeIteration} (${plan.experimentDirectory}/checkpoints)`]),
    ...config.notes.map((note) => `# note: ${note}`),
  ];
  for (const file of plan.files) lines.push(`# write ${file.path}`, file.text.trimEnd());
  lines.push('# run', formatCommandLine(plan.run), '# stop with', formatCommandLine(plan.stop));
  return `${lines.join('\n')}\n`;
}

function describeEvent(event: TrainingEvent): string {
  if (event.type === 'checkpoint')
    return `checkpoint at iteration ${event.iteration}${event.path === undefined ? '' : ` → ${event.path}`}`;
  if (event.type === 'validation') return `validation at iteration ${event.iteration}: loss ${event.loss ?? '?'}`;
  const fields = [
    `iteration ${event.iteration}${event.totalIterations === undefined ? '' : `/${event.totalIterations}`}`,
    ...(event.loss === undefined ? [] : [`loss ${event.loss.toFixed(4)}`]),
    ...(event.learningRate === undefined ? [] : [`lr ${event.learningRate.toExponential(3)}`]),
    ...(event.gradNorm === undefined ? [] : [`grad norm ${event.gradNorm.toFixed(3)}`]),
    ...(event.tokensPerSecond === undefined ? [] : [`${Math.round(event.tokensPerSecond)} tokens/s`]),
  ];
  return fields.join(' | ');
}

async function printStatus(directory: string, context: CommandContext, json: boolean): Promise<void> {
  const { readRunStatus } = await import('@aquila/train');
  const status = await readRunStatus({ directory });
  if (json) {
    const { events, ...rest } = status;
    context.stdout.write(`${JSON.stringify({ ...rest, eventCount: events.length }, null, 2)}\n`);
    return;
  }
  context.stdout.write(`${status.name} (${status.engine}): ${status.state}\n${status.message}\n`);
  for (const { host, pid, alive } of status.processes)
    context.stdout.write(
      `process ${pid} on ${host}: ${alive === undefined ? 'on another host' : alive ? 'alive' : 'gone'}\n`,
    );
  if (status.errorTail.length > 0)
    context.stdout.write(`last lines:\n${status.errorTail.map((line) => `  ${line}`).join('\n')}\n`);
}

/**
 * `aquila train --config FILE [--engine flagscale|local] [--dry-run] [--detach]`, `aquila train status DIR`,
 * `aquila train stop DIR`, `aquila train plot DIR`.
 */
export function registerTrainCommand(program: Command, context: CommandContext): void {
  const train = program
    .command('train')
    .description('train on FlagScale from a run config (or FlagAI Aquila YAML), and inspect, stop or plot runs')
    .option('--config <file>', "the run config YAML (this project's keys, or FlagAI's Aquila-*.yaml keys)")
    .option(
      '--engine <engine>',
      'flagscale (default) or local (train a small model in this process on the CPU)',
      parseEngine,
    )
    .option('--dry-run', 'print the FlagScale configs and the command that would run, and run nothing')
    .option('--detach', 'launch and return without following the log')
    .option('--poll-interval <ms>', 'how often to read new log lines while following', parseMilliseconds, 2000)
    .action(async (options: TrainOptions) => {
      if (options.config === undefined)
        train.error('error: give a run config with --config FILE, or a subcommand (status, stop, plot)');
      const { followRun, launchFlagScaleRun, loadRunConfig, planFlagScaleRun, trainLocally } = await import(
        '@aquila/train'
      );
      const config = await loadRunConfig({ path: options.config as string });
      const engine = options.engine ?? config.engine;
      if (engine === 'local') {
        const { model, schedule, batch } = config;
        const length =
          schedule.trainIterations === undefined
            ? schedule.trainSamples === undefined
              ? `${schedule.epochs ?? 1} epoch(s)`
              : `${schedule.trainSamples} samples`
            : `${schedule.trainIterations} iterations`;
        context.stdout.write(
          `in-process ${config.task} run "${config.name}": ${model.layers} layers × ${model.hiddenSize} (${model.attentionHeads} heads, FFN ${model.ffnHiddenSize}), ${model.sequenceLength} tokens, batch ${batch.microBatchSize * batch.gradientAccumulationSteps}, ${length} → ${config.output}\n`,
        );
        if (options.dryRun === true) return;
        const progress = createProgress({ label: 'train', stream: context.stderr, unit: 'it' });
        const result = await trainLocally({
          config,
          onEvent: (event) => {
            if (event.type === 'iteration') progress.update(event.iteration, event.totalIterations);
            const logged =
              event.type !== 'iteration' ||
              event.iteration % config.logInterval === 0 ||
              event.iteration === event.totalIterations;
            if (logged) context.stdout.write(`${describeEvent(event)}\n`);
          },
        });
        progress.finish();
        const resumed = result.resumedFrom === undefined ? '' : `resumed from iteration ${result.resumedFrom}; `;
        context.stdout.write(
          `${resumed}${result.parameterCount.toLocaleString('en-US')} parameters over ${result.vocabularyUsed} token ids; checkpoint ${result.checkpoint}\n`,
        );
        await printStatus(result.directory, context, false);
        return;
      }
      if (options.dryRun === true) {
        context.stdout.write(await describePlan(config, await planFlagScaleRun({ config })));
        return;
      }
      const plan = await launchFlagScaleRun({ config });
      const resumed = plan.resumeIteration === undefined ? '' : `, resuming from iteration ${plan.resumeIteration}`;
      context.stdout.write(`launched "${config.name}" on FlagScale${resumed}; run directory ${plan.runDirectory}\n`);
      for (const note of config.notes) context.stderr.write(`note: ${note}\n`);
      if (options.detach === true) {
        context.stdout.write(`follow it with: aquila train status ${plan.runDirectory}\n`);
        return;
      }
      const progress = createProgress({ label: 'train', stream: context.stderr, unit: 'it' });
      for await (const event of followRun({ directory: plan.runDirectory, pollIntervalMs: options.pollInterval })) {
        context.stdout.write(`${describeEvent(event)}\n`);
        if (event.type === 'iteration') progress.update(event.iteration, event.totalIterations ?? plan.totalIterations);
      }
      progress.finish();
      await printStatus(plan.runDirectory, context, false);
    });

  train
    .command('status <dir>')
    .description('tell what happened to a run: running, completed, stopped, failed to launch, or died (and why)')
    .option('--json', 'print the status as JSON')
    .action(async (directory: string, options: { json?: boolean }) => {
      await printStatus(directory, context, options.json === true);
    });

  train
    .command('stop <dir>')
    .description('stop a run: FlagScale through its runner (run.py action=stop), an in-process run by signalling it')
    .action(async (directory: string) => {
      const { stopRun } = await import('@aquila/train');
      const result = await stopRun({ directory });
      context.stdout.write(`${result.message}\n`);
    });

  train
    .command('plot <dir>')
    .description("draw a run's loss curve: loss.svg and report.html in the run directory")
    .option('--title <title>', 'the chart title (default: the run name)')
    .action(async (directory: string, options: { title?: string }) => {
      const { plotRun } = await import('@aquila/train');
      const result = await plotRun({ directory, ...(options.title === undefined ? {} : { title: options.title }) });
      context.stdout.write(`${result.events} events → ${result.svgFile}, ${result.htmlFile}\n`);
    });
}
