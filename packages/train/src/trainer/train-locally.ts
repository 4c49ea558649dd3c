import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@aquila/files';
import { openCheckpoint } from '@aquila/formats';
import { loadAquilaTokenizer, type Tokenizer, writeTokenizerFiles } from '@aquila/tokenizer';
import { RunConfigError } from '../errors.js';
import { processStartTime } from '../internal/process-start-time.js';
import { eventsFile, type LocalRunRecord, newRunRecord, writeRunRecord } from '../internal/run-record.js';
import { openPretrainingDataset } from '../open-pretraining-dataset.js';
import { readRunEvents } from '../read-run-events.js';
import { readSftExamples } from '../read-sft-examples.js';
import type { RunConfig } from '../run-config.js';
import { packSftExamples } from '../sft-batches.js';
import { ignoreIndex, type SftExample } from '../sft-example.js';
import type { TrainingEvent } from '../training-event.js';
import { blendSamples } from './blend-samples.js';
import { LlamaModel } from './llama-model.js';
import { saveLlamaCheckpoint } from './save-llama-checkpoint.js';
import { type TrainingSequence, trainLlama } from './train-llama.js';

// Above this many weights outside the vocabulary a CPU run in Node would take days; the 7B preset is refused.
const maximumLayerParameters = 50_000_000;

/** Options of `trainLocally`. */
export interface TrainLocallyOptions {
  config: RunConfig;
  /** Called with every event as it happens (iterations and checkpoints). */
  onEvent?: (event: TrainingEvent) => void;
  signal?: AbortSignal;
}

/** Where an in-process run left its results. */
export interface TrainLocallyResult {
  directory: string;
  events: TrainingEvent[];
  /** The final checkpoint (safetensors + config.json, full Aquila vocabulary). */
  checkpoint: string;
  parameterCount: number;
  /** Distinct token ids the model was trained on (its compact vocabulary). */
  vocabularyUsed: number;
  /** The checkpointed iteration this run continued from, when the run directory had one. */
  resumedFrom?: number;
}

// Loads a checkpoint this engine saved into a model over the compact vocabulary (gathering its rows).
async function loadCheckpoint(model: LlamaModel, path: string, vocabulary: Int32Array): Promise<void> {
  const checkpoint = await openCheckpoint({ path });
  try {
    for (const parameter of model.parameters) {
      const values = await checkpoint.read(parameter.name);
      const width = parameter.shape[1] ?? 1;
      if (parameter.name === 'model.embed_tokens.weight' || parameter.name === 'lm_head.weight') {
        for (let compact = 0; compact < vocabulary.length; compact += 1) {
          const id = vocabulary[compact] as number;
          if ((id + 1) * width > values.length) throw new RangeError(`${parameter.name} has no row for token ${id}`);
          parameter.values.set(values.subarray(id * width, (id + 1) * width), compact * width);
        }
      } else {
        if (values.length !== parameter.values.length)
          throw new RangeError(
            `${parameter.name} holds ${values.length} values, the model needs ${parameter.values.length}`,
          );
        parameter.values.set(values);
      }
    }
  } catch (error) {
    throw new RunConfigError(
      `${path} does not fit this model (${error instanceof Error ? error.message : String(error)}); remove the run's checkpoints/ to start over`,
      { path: 'model', cause: error },
    );
  } finally {
    await checkpoint.close();
  }
}

async function loadSequences(
  config: RunConfig,
  directory: string,
  tokenizer: Tokenizer,
  signal: AbortSignal | undefined,
): Promise<TrainingSequence[]> {
  if (config.data.sftFile !== undefined) {
    const sequences: SftExample[] = [];
    for await (const example of readSftExamples({
      path: config.data.sftFile,
      tokenizer,
      maxLength: config.model.sequenceLength,
      signal,
    }))
      sequences.push(example);
    if (!config.data.packing) return sequences;
    // Packed rows without their trailing padding (nothing attends to it and it carries no labels).
    return packSftExamples({ examples: sequences, length: config.model.sequenceLength }).map(
      ({ inputIds, labels, exampleStarts }) => {
        let used = inputIds.length;
        while (used > 0 && inputIds[used - 1] === 0 && labels[used - 1] === ignoreIndex) used -= 1;
        return { inputIds: inputIds.subarray(0, used), labels: labels.subarray(0, used), exampleStarts };
      },
    );
  }
  const perPrefix: TrainingSequence[][] = [];
  for (const { prefix } of config.data.blend) {
    // One epoch of Megatron samples (numSamples 1 asks for a single epoch); the trainer cycles epochs itself.
    const dataset = await openPretrainingDataset({
      prefix,
      split: config.data.split,
      name: 'train',
      numSamples: 1,
      sequenceLength: config.model.sequenceLength - 1,
      seed: config.data.seed,
      cacheDirectory: join(directory, 'index-maps'),
      signal,
    });
    const samples: TrainingSequence[] = [];
    try {
      for (let index = 0; index < dataset.length; index += 1) {
        const tokens = await dataset.sample(index);
        samples.push({ inputIds: tokens, labels: tokens });
      }
    } finally {
      await dataset.close();
    }
    perPrefix.push(samples);
  }
  return blendSamples({ samples: perPrefix, weights: config.data.blend.map(({ weight }) => weight) });
}

/**
 * Trains the config's model in this process on the CPU (`engine: local`): SFT from `data.sftFile` with
 * FlagAI's loss mask, or pretraining samples from `data.blend`. The model learns over the token ids that
 * occur in the data (a compact vocabulary, so a 2–5M-parameter model stays fast) and checkpoints are saved
 * with the full vocabulary in HF LLaMA layout. Writes `run.json`, `events.jsonl` and
 * `checkpoints/iter_NNNNNNN/`, so `readRunStatus` and `plotRun` work as for FlagScale runs. Run again on
 * the same directory, it resumes from the latest checkpoint.
 */
export async function trainLocally(options: TrainLocallyOptions): Promise<TrainLocallyResult> {
  const { config, signal } = options;
  const { model: shape } = config;
  const layerParameters = shape.layers * (4 * shape.hiddenSize ** 2 + 3 * shape.hiddenSize * shape.ffnHiddenSize);
  if (layerParameters > maximumLayerParameters) {
    throw new RunConfigError(
      `the local engine trains small models, and this one has ${layerParameters.toLocaleString('en-US')} weights in its layers; set model.layers, model.hiddenSize, model.attentionHeads and model.ffnHiddenSize (for example 4, 256, 4, 688) or use engine: flagscale`,
      { path: 'model' },
    );
  }
  const directory = config.output;
  await mkdir(directory, { recursive: true });
  const tokenizer = await loadAquilaTokenizer({ signal });
  // Serialised once a run (about half a second), then copied into every checkpoint.
  const tokenizerFolder = join(directory, 'tokenizer');
  const tokenizerFiles = await writeTokenizerFiles({ tokenizer, directory: tokenizerFolder, signal });
  const sequences = await loadSequences(config, directory, tokenizer, signal);
  if (sequences.length === 0)
    throw new RunConfigError('the training data holds no example', {
      path: config.data.sftFile === undefined ? 'data.blend' : 'data.sftFile',
    });

  // The compact vocabulary: every id of the data, in increasing order.
  const seen = new Set<number>();
  for (const { inputIds, labels } of sequences) {
    for (const id of Array.from(inputIds)) seen.add(id);
    for (const id of Array.from(labels)) if (id >= 0) seen.add(id);
  }
  const vocabulary = Int32Array.from([...seen].sort((a, b) => a - b));
  const compactOf = new Map(Array.from(vocabulary, (id, index) => [id, index]));
  const compact = sequences.map(({ inputIds, labels, exampleStarts }) => ({
    inputIds: Int32Array.from(inputIds, (id) => compactOf.get(id) as number),
    labels: Int32Array.from(labels, (id) => (id < 0 ? id : (compactOf.get(id) as number))),
    ...(exampleStarts === undefined ? {} : { exampleStarts }),
  }));

  const batchSize = config.batch.microBatchSize * config.batch.gradientAccumulationSteps;
  const { schedule } = config;
  const steps =
    schedule.trainIterations ??
    Math.max(1, Math.ceil((schedule.trainSamples ?? (schedule.epochs ?? 1) * compact.length) / batchSize));
  const warmupSteps =
    schedule.warmupSamples === undefined
      ? Math.floor((schedule.warmupFraction ?? 0) * steps)
      : Math.ceil(schedule.warmupSamples / batchSize);
  const model = new LlamaModel({
    shape: {
      vocabSize: vocabulary.length,
      hiddenSize: shape.hiddenSize,
      intermediateSize: shape.ffnHiddenSize,
      layers: shape.layers,
      heads: shape.attentionHeads,
      maxPositions: shape.sequenceLength,
      rmsNormEpsilon: shape.normEpsilon,
      ropeTheta: shape.ropeTheta,
    },
    seed: config.seed,
  });
  const startTime = processStartTime(process.pid);
  const record: LocalRunRecord = {
    ...newRunRecord(config, steps),
    engine: 'local',
    host: hostname(),
    pid: process.pid,
    ...(startTime === undefined ? {} : { startTime }),
    state: 'launched',
  };
  // A run directory with a checkpoint continues from it (weights and schedule; AdamW's moments restart).
  const latest = Number.parseInt(
    await readFile(join(directory, 'checkpoints', 'latest_checkpointed_iteration.txt'), 'utf8').catch(() => ''),
    10,
  );
  const resumedFrom = Number.isInteger(latest) && latest > 0 ? Math.min(latest, steps) : undefined;
  const events: TrainingEvent[] = [];
  if (resumedFrom !== undefined) {
    await loadCheckpoint(model, join(directory, 'checkpoints', `iter_${String(latest).padStart(7, '0')}`), vocabulary);
    events.push(
      ...(await readRunEvents({ directory }).catch(() => [])).filter(({ iteration }) => iteration <= resumedFrom),
    );
  }
  await writeRunRecord(directory, record);
  const eventsPath = join(directory, eventsFile);
  await writeFileAtomic({ path: eventsPath, data: events.map((event) => `${JSON.stringify(event)}\n`).join('') });
  const report = async (event: TrainingEvent): Promise<void> => {
    events.push(event);
    // A live log: one whole line per event, appended as the run goes, so status and plot see the run so far.
    await appendFile(eventsPath, `${JSON.stringify(event)}\n`);
    options.onEvent?.(event);
  };
  const save = async (iteration: number): Promise<string> => {
    const checkpoint = join(directory, 'checkpoints', `iter_${String(iteration).padStart(7, '0')}`);
    await saveLlamaCheckpoint({
      model,
      directory: checkpoint,
      vocabulary: { ids: vocabulary, size: shape.vocabSize },
      bosTokenId: tokenizer.bosTokenId,
      eosTokenId: tokenizer.eosTokenId,
    });
    // The checkpoint carries its tokenizer: `aquila convert` copies it, so the converted model generates and serves on its own.
    for (const file of tokenizerFiles)
      await writeFileAtomic({ path: join(checkpoint, file), data: await readFile(join(tokenizerFolder, file)) });
    // Written last, as Megatron does: a resume only ever starts from a checkpoint whose files are all in place.
    await writeFileAtomic({
      path: join(directory, 'checkpoints', 'latest_checkpointed_iteration.txt'),
      data: `${iteration}\n`,
    });
    await report({ type: 'checkpoint', iteration, path: checkpoint });
    return checkpoint;
  };
  try {
    await trainLlama({
      model,
      sequences: compact,
      steps,
      batchSize,
      optimizer: config.optimizer,
      schedule: { warmupSteps, style: schedule.decayStyle },
      seed: config.seed,
      startStep: resumedFrom ?? 0,
      signal,
      onEvent: async (event) => {
        await report(event);
        if (event.iteration % config.checkpoints.saveInterval === 0 && event.iteration < steps)
          await save(event.iteration);
      },
    });
    const checkpoint =
      resumedFrom === steps
        ? join(directory, 'checkpoints', `iter_${String(steps).padStart(7, '0')}`)
        : await save(steps);
    await writeRunRecord(directory, { ...record, state: 'finished' });
    return {
      directory,
      events,
      checkpoint,
      parameterCount: model.parameterCount,
      vocabularyUsed: vocabulary.length,
      ...(resumedFrom === undefined ? {} : { resumedFrom }),
    };
  } catch (error) {
    await writeRunRecord(directory, {
      ...record,
      state: 'failed',
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}
