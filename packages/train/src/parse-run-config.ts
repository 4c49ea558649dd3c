import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseWithSchema } from '@aquila/errors';
import * as v from 'valibot';
import { parseDocument } from 'yaml';
import { RunConfigError } from './errors.js';
import {
  flag,
  fraction,
  list,
  mapping,
  nonNegative,
  nonNegativeInteger,
  numberSchema,
  oneOf,
  positive,
  positiveInteger,
  record,
  text,
} from './internal/config-schema.js';
import type { RunConfig } from './run-config.js';

const decayStyles = ['cosine', 'linear', 'constant'] as const;

/** This package's keys: the sections of a run. */
const nativeEntries: Record<string, v.GenericSchema> = {
  name: text,
  task: oneOf(['pretrain', 'sft']),
  engine: oneOf(['flagscale', 'local']),
  output: text,
  seed: nonNegativeInteger,
  model: mapping({
    preset: oneOf(['aquila-7b']),
    layers: positiveInteger,
    hiddenSize: positiveInteger,
    attentionHeads: positiveInteger,
    ffnHiddenSize: positiveInteger,
    vocabSize: positiveInteger,
    sequenceLength: positiveInteger,
    normEpsilon: positive,
    ropeTheta: positive,
    checkpoint: text,
  }),
  tokenizer: mapping({ vocabFile: text, mergeFile: text, specialTokensFile: text }),
  data: mapping({
    blend: list(mapping({ prefix: text, weight: positive }, { required: ['prefix', 'weight'] })),
    sftFile: text,
    split: text,
    seed: nonNegativeInteger,
    packing: flag,
  }),
  optimizer: mapping({
    lr: positive,
    minLr: nonNegative,
    weightDecay: nonNegative,
    beta1: numberSchema({ min: 0, max: 0.999999 }),
    beta2: numberSchema({ min: 0, max: 0.999999 }),
    eps: positive,
    clipGrad: nonNegative,
  }),
  schedule: mapping({
    epochs: positiveInteger,
    trainSamples: positiveInteger,
    trainIterations: positiveInteger,
    warmupFraction: fraction,
    warmupSamples: nonNegativeInteger,
    decayStyle: oneOf(decayStyles),
  }),
  batch: mapping({
    microBatchSize: positiveInteger,
    gradientAccumulationSteps: positiveInteger,
    globalBatchSize: positiveInteger,
  }),
  parallelism: mapping({
    tensor: positiveInteger,
    pipeline: positiveInteger,
    nodes: positiveInteger,
    gpusPerNode: positiveInteger,
    hostfile: text,
  }),
  precision: oneOf(['fp16', 'bf16', 'fp32']),
  checkpoints: mapping({ saveInterval: positiveInteger, saveOptimizer: flag, saveRng: flag }),
  logInterval: positiveInteger,
  flagscale: mapping({ root: text, python: text, entrypoint: text, environment: record(text) }),
};

/** FlagAI `EnvArgs` keys and where each lands in the run config. */
const flagAiKeys: Record<string, { target: string; schema: v.GenericSchema }> = {
  epochs: { target: 'schedule.epochs', schema: positiveInteger },
  batch_size: { target: 'batch.microBatchSize', schema: positiveInteger },
  gradient_accumulation_steps: { target: 'batch.gradientAccumulationSteps', schema: positiveInteger },
  lr: { target: 'optimizer.lr', schema: positive },
  warm_up: { target: 'schedule.warmupFraction', schema: fraction },
  eps: { target: 'optimizer.eps', schema: positive },
  weight_decay: { target: 'optimizer.weightDecay', schema: nonNegative },
  adam_beta1: { target: 'optimizer.beta1', schema: fraction },
  adam_beta2: { target: 'optimizer.beta2', schema: fraction },
  clip_grad: { target: 'optimizer.clipGrad', schema: nonNegative },
  bmt_lr_decay_style: { target: 'schedule.decayStyle', schema: oneOf(decayStyles) },
  save_interval: { target: 'checkpoints.saveInterval', schema: positiveInteger },
  save_optim: { target: 'checkpoints.saveOptimizer', schema: flag },
  save_rng: { target: 'checkpoints.saveRng', schema: flag },
  seed: { target: 'seed', schema: nonNegativeInteger },
  log_interval: { target: 'logInterval', schema: positiveInteger },
  experiment_name: { target: 'name', schema: text },
  save_dir: { target: 'output', schema: text },
  enable_pretrain_dataset_prefix: { target: 'data.blend', schema: text },
  fp16: { target: 'precision', schema: flag },
  bf16: { target: 'precision', schema: flag },
  pretrain_data: { target: 'task', schema: flag },
  enable_sft_conversations_dataset_v2: { target: 'task', schema: flag },
  enable_sft_dataset_dir: { target: 'data.sftFile', schema: text },
  enable_sft_dataset_file: { target: 'data.sftFile', schema: text },
  pre_load_dir: { target: 'model.checkpoint', schema: text },
  model_name: { target: 'model.checkpoint', schema: text },
};

/** FlagAI keys that only steer BMTrain or flash-attn internals: accepted, reported in `notes`. */
const flagAiIgnored: Record<string, string> = {
  bmt_cpu_offload: 'BMTrain optimizer offload',
  bmt_pre_load: 'BMTrain weight pre-loading (set model.checkpoint to start from weights)',
  bmt_loss_scale: 'BMTrain loss scale',
  bmt_loss_scale_steps: 'BMTrain loss scale steps',
  enable_flashattn: 'unused by FlagAI itself',
  enable_flash_attn_models: 'flash-attn model classes (FlagScale always uses flash attention)',
  skip_iters: 'BMTrain iteration skipping',
  shuffle_dataset: 'samples are always shuffled',
};

const flagAiKnown = new Set([...Object.keys(flagAiKeys), ...Object.keys(flagAiIgnored), 'warmup_start_lr']);

/** A config file: this package's keys and FlagAI's flat keys side by side (a FlagAI key of the same name wins). */
const configSchema = mapping(
  {
    ...nativeEntries,
    ...Object.fromEntries(Object.entries(flagAiKeys).map(([key, { schema }]) => [key, schema])),
    ...Object.fromEntries([...Object.keys(flagAiIgnored), 'warmup_start_lr'].map((key) => [key, v.unknown()])),
  },
  { listKnown: false, notAMapping: 'the config must be a YAML mapping of keys to values' },
);

type Tree = Record<string, unknown>;

function getPath(tree: Tree, path: string): unknown {
  let node: unknown = tree;
  for (const key of path.split('.')) node = typeof node === 'object' && node !== null ? (node as Tree)[key] : undefined;
  return node;
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys.at(-1) as string] = value;
}

/** Options of `parseRunConfig`. */
export interface ParseRunConfigOptions {
  /** The YAML text. */
  text: string;
  /** Its file, for messages; relative paths inside resolve against its directory. */
  file?: string;
  /** Base for relative paths when `file` is absent; default: the working directory. */
  baseDirectory?: string;
}

function flagAiTranslation(
  document: Tree,
  file: string | undefined,
  notes: string[],
): { values: Tree; origins: Map<string, string> } {
  const values: Tree = {};
  const origins = new Map<string, string>();
  const present = (key: string): boolean => document[key] !== undefined;
  const put = (target: string, value: unknown, key: string): void => {
    const earlier = origins.get(target);
    if (earlier !== undefined)
      throw new RunConfigError(`conflicts with "${earlier}": both set ${target}; keep one`, { path: key, file });
    origins.set(target, key);
    setPath(values, target, value);
  };
  for (const [key, { target }] of Object.entries(flagAiKeys)) {
    if (!present(key)) continue;
    const value = document[key];
    if (key === 'fp16' || key === 'bf16') {
      if (value === true) put(target, key, key);
    } else if (key === 'pretrain_data') {
      put(target, value === true ? 'pretrain' : 'sft', key);
    } else if (key === 'enable_sft_conversations_dataset_v2') {
      if (value !== true)
        throw new RunConfigError(
          'only the ConversationDatasetV2 SFT format is supported; set it to True or remove it',
          { path: key, file },
        );
      if (document.pretrain_data === true)
        throw new RunConfigError('conflicts with "pretrain_data: True"; a run is either pretraining or SFT', {
          path: key,
          file,
        });
      if (!present('pretrain_data')) put(target, 'sft', key);
    } else if (key === 'enable_sft_dataset_dir' || key === 'enable_sft_dataset_file') {
      if (key === 'enable_sft_dataset_file')
        put(
          target,
          present('enable_sft_dataset_dir') ? `${String(document.enable_sft_dataset_dir)}/${String(value)}` : value,
          key,
        );
      else if (!present('enable_sft_dataset_file'))
        throw new RunConfigError('needs enable_sft_dataset_file beside it', { path: key, file });
    } else if (key === 'pre_load_dir' || key === 'model_name') {
      if (key === 'model_name')
        put(target, present('pre_load_dir') ? `${String(document.pre_load_dir)}/${String(value)}` : value, key);
    } else if (key === 'enable_pretrain_dataset_prefix') {
      put(target, [{ prefix: value, weight: 1 }], key);
    } else {
      put(target, value, key);
    }
  }
  for (const [key, why] of Object.entries(flagAiIgnored))
    if (present(key)) notes.push(`${key}: accepted, no effect here (${why})`);
  if (document.warmup_start_lr !== undefined && document.warmup_start_lr !== 0) {
    throw new RunConfigError('only 0 is supported (warmup starts from 0, as FlagAI does by default)', {
      path: 'warmup_start_lr',
      file,
    });
  }
  return { values, origins };
}

function roundFfn(hiddenSize: number): number {
  return 256 * Math.ceil(Math.floor((2 * 4 * hiddenSize) / 3) / 256);
}

/**
 * Parses and validates a run config: this package's YAML (`model`, `data`, `optimizer`, `schedule`,
 * `batch`, `parallelism`, `checkpoints`, `flagscale`), FlagAI's flat `Aquila-pretrain-4n8g.yaml` /
 * `Aquila-sft-sql.yaml` keys, or both in one file. Unknown, conflicting, missing and mistyped keys throw
 * `RunConfigError` naming the key's path.
 */
export function parseRunConfig(options: ParseRunConfigOptions): RunConfig {
  const { file } = options;
  // logLevel 'error': a mapping used as a key becomes its text (an unknown key below) without a warning on stderr.
  const parsed = parseDocument(options.text, { uniqueKeys: true, logLevel: 'error' });
  const yamlError = parsed.errors[0];
  if (yamlError !== undefined) {
    const line = yamlError.linePos?.[0];
    throw new RunConfigError(
      `not valid YAML${line === undefined ? '' : ` at line ${line.line}, column ${line.col}`}: ${yamlError.message.split(/ at line \d/)[0]}`,
      { path: '', file, cause: yamlError },
    );
  }
  let document: unknown;
  try {
    document = parsed.toJS() ?? {};
  } catch (error) {
    // An alias without its anchor, or aliases that would expand without bound.
    throw new RunConfigError(`not valid YAML: ${error instanceof Error ? error.message : String(error)}`, {
      path: '',
      file,
      cause: error,
    });
  }
  const tree = parseWithSchema({
    schema: configSchema,
    value: document,
    error: ({ message, path }) => new RunConfigError(message, { path, file }),
  });
  const notes: string[] = [];
  const native = Object.fromEntries(Object.entries(tree).filter(([key]) => !flagAiKnown.has(key)));
  const flagAi = flagAiTranslation(tree, file, notes);
  const dialect = flagAi.origins.size > 0 || notes.length > 0;
  for (const [target, key] of flagAi.origins) {
    if (getPath(native, target) !== undefined)
      throw new RunConfigError(`conflicts with the FlagAI key "${key}"; both set this value, keep one`, {
        path: target,
        file,
      });
    setPath(native, target, getPath(flagAi.values, target));
  }
  return resolveRunConfig(native, { file, baseDirectory: options.baseDirectory, notes, dialect });
}

function resolveRunConfig(
  tree: Tree,
  context: { file: string | undefined; baseDirectory: string | undefined; notes: string[]; dialect: boolean },
): RunConfig {
  const { file, notes, dialect } = context;
  const fail = (path: string, message: string): never => {
    throw new RunConfigError(message, { path, file });
  };
  const base = file === undefined ? resolve(context.baseDirectory ?? '.') : dirname(resolve(file));
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(base, path));
  const section = (name: string): Tree => (tree[name] as Tree | undefined) ?? {};
  const model = section('model');
  const data = section('data');
  const optimizer = section('optimizer');
  const schedule = section('schedule');
  const batch = section('batch');
  const parallelism = section('parallelism');
  const checkpoints = section('checkpoints');
  const flagscale = section('flagscale');
  const tokenizer = section('tokenizer');

  const blend = (data.blend as Array<{ prefix: string; weight: number }> | undefined) ?? [];
  const sftFile = data.sftFile as string | undefined;
  const task = (tree.task as RunConfig['task'] | undefined) ?? (sftFile !== undefined ? 'sft' : 'pretrain');
  if (task === 'pretrain' && blend.length === 0)
    fail(
      'data.blend',
      'a pretraining run needs at least one indexed dataset: data.blend: [{ prefix: path/to/x_text_document, weight: 1 }]',
    );
  if (task === 'pretrain' && sftFile !== undefined)
    fail('data.sftFile', 'conflicts with task "pretrain"; SFT conversations belong to an SFT run');
  if (task === 'sft' && sftFile === undefined && blend.length === 0)
    fail(
      'data.sftFile',
      'an SFT run needs data.sftFile (FlagAI JSONL) or data.blend (text + loss-mask indexed datasets)',
    );
  if (sftFile !== undefined && blend.length > 0)
    fail('data.blend', 'conflicts with data.sftFile; give SFT data as JSONL or as indexed datasets, not both');

  const scheduleKeys = (['epochs', 'trainSamples', 'trainIterations'] as const).filter(
    (key) => schedule[key] !== undefined,
  );
  if (scheduleKeys.length > 1)
    fail(
      `schedule.${scheduleKeys[1]}`,
      `conflicts with schedule.${scheduleKeys[0]}; give exactly one of epochs, trainSamples, trainIterations`,
    );
  if (schedule.warmupFraction !== undefined && schedule.warmupSamples !== undefined)
    fail('schedule.warmupSamples', 'conflicts with schedule.warmupFraction; give one warmup');

  const preset = {
    layers: 32,
    hiddenSize: 4096,
    attentionHeads: 32,
    vocabSize: 100008,
    sequenceLength: task === 'sft' ? 2048 : dialect ? 1024 : 2048,
    normEpsilon: 1e-5,
    ropeTheta: 10000,
  };
  const hiddenSize = (model.hiddenSize as number | undefined) ?? preset.hiddenSize;
  const attentionHeads = (model.attentionHeads as number | undefined) ?? preset.attentionHeads;
  if (hiddenSize % attentionHeads !== 0)
    fail('model.attentionHeads', `${attentionHeads} heads do not divide hiddenSize ${hiddenSize}`);

  const tensor = (parallelism.tensor as number | undefined) ?? 1;
  const pipeline = (parallelism.pipeline as number | undefined) ?? 1;
  const nodes = (parallelism.nodes as number | undefined) ?? 1;
  const gpusPerNode = (parallelism.gpusPerNode as number | undefined) ?? 8;
  const worldSize = nodes * gpusPerNode;
  if (worldSize % (tensor * pipeline) !== 0)
    fail(
      'parallelism',
      `tensor ${tensor} × pipeline ${pipeline} does not divide the ${worldSize} GPUs (${nodes} nodes × ${gpusPerNode})`,
    );
  const dataParallel = worldSize / (tensor * pipeline);
  const microBatchSize = (batch.microBatchSize as number | undefined) ?? 1;
  let gradientAccumulationSteps = batch.gradientAccumulationSteps as number | undefined;
  let globalBatchSize = batch.globalBatchSize as number | undefined;
  if (globalBatchSize !== undefined) {
    const perStep = microBatchSize * dataParallel;
    if (globalBatchSize % perStep !== 0)
      fail(
        'batch.globalBatchSize',
        `${globalBatchSize} is not a multiple of microBatchSize ${microBatchSize} × data-parallel ${dataParallel}`,
      );
    if (gradientAccumulationSteps !== undefined && gradientAccumulationSteps !== globalBatchSize / perStep) {
      fail(
        'batch.gradientAccumulationSteps',
        `conflicts with batch.globalBatchSize: ${microBatchSize} × ${dataParallel} × ${gradientAccumulationSteps} ≠ ${globalBatchSize}`,
      );
    }
    gradientAccumulationSteps = globalBatchSize / perStep;
  }
  gradientAccumulationSteps ??= 1;
  globalBatchSize ??= microBatchSize * dataParallel * gradientAccumulationSteps;

  const decayStyle = (schedule.decayStyle as RunConfig['schedule']['decayStyle'] | undefined) ?? 'cosine';
  const lr = (optimizer.lr as number | undefined) ?? (task === 'sft' ? 9.65e-6 : 2e-5);
  // FlagAI's Cosine10PP floors at 10 % of lr; bmtrain's Linear decays to 0.
  const minLr =
    (optimizer.minLr as number | undefined) ??
    (decayStyle === 'cosine' ? lr * 0.1 : decayStyle === 'constant' ? lr : 0);
  if (minLr > lr) fail('optimizer.minLr', `${minLr} is above optimizer.lr ${lr}`);
  const hasLength = scheduleKeys.length === 1;
  const name = (tree.name as string | undefined) ?? (file === undefined ? 'aquila-run' : basename(file, extname(file)));
  const precision = (tree.precision as RunConfig['precision'] | undefined) ?? 'bf16';
  const modelCheckpoint = model.checkpoint as string | undefined;
  const hostfile = parallelism.hostfile as string | undefined;
  const files = tokenizer as RunConfig['tokenizer'];

  return {
    name,
    task,
    engine: (tree.engine as RunConfig['engine'] | undefined) ?? 'flagscale',
    output: absolute((tree.output as string | undefined) ?? `runs/${name}`),
    seed: (tree.seed as number | undefined) ?? 1234,
    model: {
      layers: (model.layers as number | undefined) ?? preset.layers,
      hiddenSize,
      attentionHeads,
      ffnHiddenSize: (model.ffnHiddenSize as number | undefined) ?? roundFfn(hiddenSize),
      vocabSize: (model.vocabSize as number | undefined) ?? preset.vocabSize,
      sequenceLength: (model.sequenceLength as number | undefined) ?? preset.sequenceLength,
      normEpsilon: (model.normEpsilon as number | undefined) ?? preset.normEpsilon,
      ropeTheta: (model.ropeTheta as number | undefined) ?? preset.ropeTheta,
      ...(modelCheckpoint === undefined ? {} : { checkpoint: absolute(modelCheckpoint) }),
    },
    tokenizer: Object.fromEntries(Object.entries(files).map(([key, value]) => [key, absolute(value as string)])),
    data: {
      blend: blend.map(({ prefix, weight }) => ({ prefix: absolute(prefix), weight })),
      ...(sftFile === undefined ? {} : { sftFile: absolute(sftFile) }),
      split: (data.split as string | undefined) ?? (dialect ? '90,10' : '969,30,1'),
      seed: (data.seed as number | undefined) ?? 2023,
      packing: (data.packing as boolean | undefined) ?? false,
    },
    optimizer: {
      lr,
      minLr,
      weightDecay: (optimizer.weightDecay as number | undefined) ?? 0.1,
      beta1: (optimizer.beta1 as number | undefined) ?? 0.9,
      beta2: (optimizer.beta2 as number | undefined) ?? 0.95,
      eps: (optimizer.eps as number | undefined) ?? 1e-8,
      clipGrad: (optimizer.clipGrad as number | undefined) ?? 1,
    },
    schedule: {
      ...(hasLength ? { [scheduleKeys[0] as string]: schedule[scheduleKeys[0] as string] } : { epochs: 1 }),
      ...(schedule.warmupSamples === undefined
        ? { warmupFraction: (schedule.warmupFraction as number | undefined) ?? 0.01 }
        : { warmupSamples: schedule.warmupSamples as number }),
      decayStyle,
    },
    batch: { microBatchSize, gradientAccumulationSteps, globalBatchSize },
    parallelism: {
      tensor,
      pipeline,
      nodes,
      gpusPerNode,
      ...(hostfile === undefined ? {} : { hostfile: absolute(hostfile) }),
    },
    precision,
    checkpoints: {
      saveInterval: (checkpoints.saveInterval as number | undefined) ?? 2000,
      saveOptimizer: (checkpoints.saveOptimizer as boolean | undefined) ?? true,
      saveRng: (checkpoints.saveRng as boolean | undefined) ?? true,
    },
    logInterval: (tree.logInterval as number | undefined) ?? (dialect ? 10 : 1),
    flagscale: {
      root: absolute((flagscale.root as string | undefined) ?? 'FlagScale'),
      python: (flagscale.python as string | undefined) ?? 'python3',
      entrypoint:
        (flagscale.entrypoint as string | undefined) ??
        (task === 'sft' ? './flagscale/train/train_aquila_sft.py' : './flagscale/train/train_gpt.py'),
      environment: (flagscale.environment as Record<string, string> | undefined) ?? {},
    },
    notes,
  };
}

/** Reads and validates a run config file (see `parseRunConfig`). */
export async function loadRunConfig(options: { path: string; signal?: AbortSignal }): Promise<RunConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.path, options.signal === undefined ? {} : { signal: options.signal });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ABORT_ERR') throw error;
    const why =
      code === 'ENOENT'
        ? ': there is no such file; check the path'
        : code === 'EISDIR'
          ? ': it is a folder; give the path of the YAML file'
          : '; check the path and its permissions';
    throw new RunConfigError(`cannot read the config file (${code ?? String(error)})${why}`, {
      path: '',
      file: options.path,
      cause: error,
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new RunConfigError('the config file is not UTF-8 text; save it as UTF-8 YAML', {
      path: '',
      file: options.path,
      cause: error,
    });
  }
  return parseRunConfig({ text, file: options.path });
}
