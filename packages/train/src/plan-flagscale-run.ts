import { join } from 'node:path';
import { AquilaError } from '@aquila/errors';
import { openIndexedDataset } from '@aquila/formats';
import { DataPrefixError, RunConfigError } from './errors.js';
import { createFlagScaleConfigs, flagScaleExperimentDirectory, type TrainLength } from './flagscale-configs.js';
import { checkpointedIteration } from './internal/checkpointed-iteration.js';
import { writeYaml } from './internal/write-yaml.js';
import type { RunConfig } from './run-config.js';
import { splitDocuments } from './split-documents.js';

/** A command to run: program, arguments, working directory, extra environment. */
export interface CommandLine {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Everything a FlagScale launch does, computed without side effects. */
export interface FlagScaleRunPlan {
  runDirectory: string;
  /** FlagScale's `exp_dir` (logs, checkpoints, tensorboard). */
  experimentDirectory: string;
  /** Files to write: the Hydra configs. */
  files: Array<{ path: string; text: string }>;
  /** `python run.py --config-path … --config-name train action=run`, in the FlagScale checkout. */
  run: CommandLine;
  /** The same with `action=stop`. */
  stop: CommandLine;
  /** Megatron's run length (epochs turned into samples from the data). */
  length: TrainLength;
  /** Optimizer steps the run will take. */
  totalIterations: number;
  /** The iteration a relaunch resumes from (the run's `latest_checkpointed_iteration.txt`), if any. */
  resumeIteration?: number;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** A command line as a shell would run it: `cd DIR && ENV=… program args`. */
export function formatCommandLine(line: CommandLine): string {
  const environment = Object.entries(line.env)
    .map(([key, value]) => `${key}=${shellQuote(value)} `)
    .join('');
  return `cd ${shellQuote(line.cwd)} && ${environment}${[line.command, ...line.args].map(shellQuote).join(' ')}`;
}

// FlagScale's SFT loader takes the loss mask from the sibling `X_loss_mask_document` of `X_text_document`
// and silently trains on every token when it is missing; an SFT run without one is refused here.
async function checkLossMask(prefix: string, index: number, sizes: Int32Array): Promise<void> {
  const where = `data.blend[${index}].prefix`;
  if (!prefix.endsWith('_text_document'))
    throw new DataPrefixError(
      `${where}: an SFT prefix must end in _text_document, with its loss mask beside it in _loss_mask_document; got ${prefix}`,
    );
  const maskPrefix = `${prefix.slice(0, -'_text_document'.length)}_loss_mask_document`;
  let maskSizes: Int32Array;
  try {
    const mask = await openIndexedDataset({ prefix: maskPrefix });
    maskSizes = mask.index.sequenceLengths;
    await mask.close();
  } catch (error) {
    throw new DataPrefixError(
      `${where}: the loss mask ${maskPrefix}.{bin,idx} is missing or damaged; write both with @aquila/formats' createSftIndexedDatasetWriter`,
      { cause: error },
    );
  }
  if (maskSizes.length !== sizes.length || maskSizes.some((size, position) => size !== sizes[position])) {
    throw new DataPrefixError(
      `${where}: ${maskPrefix} does not have the same sequence lengths as ${prefix}; write both with @aquila/formats' createSftIndexedDatasetWriter`,
    );
  }
}

async function samplesPerEpoch(config: RunConfig, signal: AbortSignal | undefined): Promise<number> {
  let samples = 0;
  for (const [index, { prefix }] of config.data.blend.entries()) {
    signal?.throwIfAborted();
    let sizes: Int32Array;
    try {
      const dataset = await openIndexedDataset({ prefix });
      sizes = dataset.index.sequenceLengths;
      await dataset.close();
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${(error as NodeJS.ErrnoException).path ?? prefix} does not exist`
          : AquilaError.isInstance(error)
            ? error.message
            : String(error);
      throw new DataPrefixError(
        `data.blend[${index}].prefix: ${reason}; write the dataset with @aquila/data (aquila data build) or fix the prefix (no .bin/.idx extension)`,
        { cause: error },
      );
    }
    if (config.task === 'sft') await checkLossMask(prefix, index, sizes);
    const [start, end] = splitDocuments({ split: config.data.split, size: sizes.length });
    let tokens = 0;
    for (let document = start; document < end; document += 1) tokens += sizes[document] as number;
    samples += Math.max(0, Math.floor((tokens - 1) / config.model.sequenceLength));
  }
  return samples;
}

/**
 * Plans a FlagScale run from a validated config: checks every data prefix, turns epochs into Megatron's
 * `train_samples`, renders the experiment and task YAMLs and the `run.py` commands. `--dry-run` prints this.
 */
export async function planFlagScaleRun(options: {
  config: RunConfig;
  signal?: AbortSignal;
}): Promise<FlagScaleRunPlan> {
  const { config, signal } = options;
  if (config.data.sftFile !== undefined) {
    throw new RunConfigError(
      "FlagScale reads SFT data as indexed datasets: write the text and loss-mask datasets with @aquila/formats' createSftIndexedDatasetWriter and list the _text_document prefix in data.blend (or use --engine local)",
      { path: 'data.sftFile' },
    );
  }
  // Every prefix is checked, whatever sets the run's length.
  const perEpoch = await samplesPerEpoch(config, signal);
  if (perEpoch === 0)
    throw new DataPrefixError(
      `data.blend: the train split holds fewer than ${config.model.sequenceLength + 1} tokens, not one sample of model.sequenceLength + 1`,
    );
  let length: TrainLength;
  if (config.schedule.trainIterations !== undefined) length = { trainIterations: config.schedule.trainIterations };
  else if (config.schedule.trainSamples !== undefined) length = { trainSamples: config.schedule.trainSamples };
  else length = { trainSamples: perEpoch * (config.schedule.epochs ?? 1) };
  const totalIterations =
    'trainIterations' in length
      ? length.trainIterations
      : Math.ceil(length.trainSamples / config.batch.globalBatchSize);
  const experimentDirectory = flagScaleExperimentDirectory(config.output);
  const resumeIteration = await checkpointedIteration(experimentDirectory);
  const resume = resumeIteration !== undefined;
  const configs = createFlagScaleConfigs({ config, length, resume });
  const configDirectory = join(config.output, 'config');
  const base: Omit<CommandLine, 'args'> = { command: config.flagscale.python, cwd: config.flagscale.root, env: {} };
  const args = (action: string): string[] => [
    'run.py',
    '--config-path',
    configDirectory,
    '--config-name',
    'train',
    `action=${action}`,
  ];
  return {
    runDirectory: config.output,
    experimentDirectory,
    files: [
      { path: join(configDirectory, 'train.yaml'), text: writeYaml(configs.experiment) },
      { path: join(configDirectory, 'train', `${configs.taskName}.yaml`), text: writeYaml(configs.task) },
    ],
    run: { ...base, args: args('run') },
    stop: { ...base, args: args('stop') },
    length,
    totalIterations,
    ...(resume ? { resumeIteration } : {}),
  };
}
