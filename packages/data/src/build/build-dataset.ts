import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BadLinePolicy, checkOutputPaths, OutputPathError } from '@aquila/files';
import { loadAquilaTokenizer, loadTokenizer } from '@aquila/tokenizer';
import { createSqlValidator, type SqlValidator } from '../clean/create-sql-validator.js';
import { BuildConfigError } from '../errors.js';
import type { PackTokenizer } from '../pack/pack-tokenizer.js';
import { type BuildConfig, loadBuildConfig, validateBuildConfig } from './build-config.js';
import { BuildOutputs, jsonlOutputs } from './build-outputs.js';
import { type BuildReport, lengthEdges } from './build-report.js';
import { checkSources } from './check-sources.js';
import { RecordPipeline } from './record-pipeline.js';

export interface BuildProgress {
  stage: 'read' | 'finish';
  source: string;
  /** Records read so far, all sources. */
  read: number;
  kept: number;
}

export interface BuildDatasetOptions {
  /** A parsed config, or the path of a YAML config. */
  config: BuildConfig | string;
  /** Where outputs and the report go; created if missing. */
  outDirectory: string;
  /** The tokenizer for Megatron outputs and token-length statistics; by default the one the config names. */
  tokenizer?: PackTokenizer;
  /** A validator to reuse across builds (its databases stay open); by default one is made and closed. */
  validator?: SqlValidator;
  /**
   * Lines of JSONL and CSV sources that hold no record (broken JSON, a wrong field count, missing fields):
   * by default the first one stops the build with a `BadLineError` naming file:line, and nothing is written;
   * with a policy that skips, they are counted in it and, as before, among the report's dropped records.
   * Well-formed records that are filtered (an invalid SQL, a duplicate, …) are never bad lines.
   */
  badLines?: BadLinePolicy;
  /**
   * A source whose file is missing or whose layout its adapter does not read is a failed source, reported with
   * the reason (file, columns found, what was expected) in `report.sources`. By default the build then stops
   * before writing anything, throwing the first such failure (`InputFileError`, `SourceColumnsError`, …); with
   * `keepGoing` the other sources are built and the failed ones stay in the report.
   */
  keepGoing?: boolean;
  /** Called once every source is checked, before any is read: the report's rows, failed sources with `failure`. */
  onSourcesChecked?: (report: BuildReport) => void;
  signal?: AbortSignal;
  onProgress?: (progress: BuildProgress) => void;
}

/**
 * Reads every configured source, cleans, filters, deduplicates and validates the records, and writes the
 * outputs (records, pretraining text, FlagAI SFT, TRL, Megatron `.bin/.idx`) plus `report.json` and
 * `report.html`. Streams end to end: memory holds the dedupe hashes and the index, not the records.
 */
export async function buildDataset(options: BuildDatasetOptions): Promise<BuildReport> {
  const started = performance.now();
  options.signal?.throwIfAborted();
  const config =
    typeof options.config === 'string'
      ? await loadBuildConfig({ path: options.config })
      : validateBuildConfig(options.config, process.cwd());
  const report = emptyReport(
    options.tokenizer === undefined && config.tokenizer === undefined ? 'characters' : 'tokens',
  );
  const { checked, failures } = await checkSources({ config, report, signal: options.signal });
  options.onSourcesChecked?.(report);
  if (failures.length > 0 && (options.keepGoing !== true || checked.length === 0)) throw failures[0];
  await checkOutputFolder(options, config);
  const tokenizer =
    options.tokenizer ??
    (config.tokenizer === undefined ? undefined : await loadBuildTokenizer(config.tokenizer, options.signal));
  if (
    (config.outputs?.megatron !== undefined || config.outputs?.sftMegatron !== undefined) &&
    tokenizer === undefined
  ) {
    throw new BuildConfigError(
      'The config asks for Megatron outputs but names no tokenizer; add `tokenizer: aquila` (or a path).',
    );
  }
  await mkdir(options.outDirectory, { recursive: true });
  const validator = options.validator ?? createSqlValidator();
  const outputs = new BuildOutputs({
    directory: options.outDirectory,
    outputs: config.outputs ?? {},
    tokenizer,
    report,
    signal: options.signal,
  });
  try {
    await outputs.open();
    const pipeline = new RecordPipeline({
      filters: config.filters ?? {},
      validator,
      badLines: options.badLines ?? new BadLinePolicy(),
      outputs,
      report,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    for (const source of checked) await pipeline.readSource(source);
    options.onProgress?.({ stage: 'finish', source: '', read: report.totals.read, kept: report.totals.kept });
    options.signal?.throwIfAborted();
    await outputs.finish();
    report.durationMs = Math.round(performance.now() - started);
    await outputs.writeReport();
  } catch (error) {
    // Outputs renamed into place before the failure go too: a build leaves all its outputs or none.
    await outputs.discard();
    throw error;
  } finally {
    if (options.validator === undefined) await validator.close();
  }
  return report;
}

function emptyReport(unit: BuildReport['lengths']['unit']): BuildReport {
  return {
    sources: [],
    totals: { read: 0, kept: 0, dropped: 0, duplicates: 0 },
    dropExamples: [],
    licences: {},
    unvalidated: 0,
    rewrittenStrings: 0,
    sftSkipped: 0,
    lengths: { unit, edges: lengthEdges, counts: lengthEdges.map(() => 0) },
    outputs: {},
    durationMs: 0,
  };
}

/**
 * Before anything is written: the output folder is a folder (or missing), and no output file would replace a
 * source or the config (a rename over an input destroys it).
 */
async function checkOutputFolder(options: BuildDatasetOptions, config: BuildConfig): Promise<void> {
  const inputs = config.sources.map((source, index) => ({
    path: source.path,
    label: `sources[${index}] (${source.type})`,
  }));
  const folder = await stat(options.outDirectory).catch(() => undefined);
  if (folder === undefined) return;
  if (!folder.isDirectory())
    throw new OutputPathError(`the output folder ${options.outDirectory} is a file: give a folder to write into.`);
  const outputs = config.outputs ?? {};
  const names = [
    ...(Object.keys(jsonlOutputs) as (keyof typeof jsonlOutputs)[])
      .filter((name) => outputs[name] !== false)
      .map((name) => jsonlOutputs[name]),
    ...(outputs.megatron === undefined ? [] : [`${outputs.megatron.prefix ?? 'pretrain'}_text_document`]),
    ...(outputs.sftMegatron === undefined
      ? []
      : ['text', 'loss_mask'].map((kind) => `${outputs.sftMegatron?.prefix ?? 'sft'}_${kind}_document`)),
  ].flatMap((name) => (name.endsWith('.jsonl') ? [name] : [`${name}.bin`, `${name}.idx`]));
  await checkOutputPaths({
    outputs: [...names, 'report.json', 'report.html'].map((name) => ({
      path: join(options.outDirectory, name),
      label: 'the build output',
    })),
    inputs: [...inputs, ...(typeof options.config === 'string' ? [{ path: options.config, label: 'the config' }] : [])],
  });
}

/** `aquila` loads the tokenizer shipped with @aquila/tokenizer; anything else is a tokenizer file or folder. */
async function loadBuildTokenizer(spec: string, signal?: AbortSignal): Promise<PackTokenizer> {
  return spec === 'aquila'
    ? loadAquilaTokenizer({ ...(signal === undefined ? {} : { signal }) })
    : loadTokenizer({ path: spec, ...(signal === undefined ? {} : { signal }) });
}
