import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BadLineError, BadLinePolicy, checkOutputPaths, OutputPathError, writeFileAtomic } from '@aquila/files';
import { loadAquilaTokenizer, loadTokenizer } from '@aquila/tokenizer';
import { cleanRecord, isNonCommercialLicence } from '../clean/clean-record.js';
import { createDeduplicator } from '../clean/create-deduplicator.js';
import { createSqlValidator, type SqlValidator } from '../clean/create-sql-validator.js';
import { BuildConfigError } from '../errors.js';
import { createIndexedDatasetWriter, type IndexedDatasetWriter } from '../indexed/indexed-dataset-writer.js';
import { createSftIndexedDatasetWriter, type SftIndexedDatasetWriter } from '../indexed/sft-indexed-dataset-writer.js';
import { checkInputFile } from '../internal/check-input-file.js';
import { documentFramingIds, type PackTokenizer } from '../pack/pack-tokenizer.js';
import { flagAiSftRecord, renderPretrainingText, renderPromptAndAnswer } from '../render/render-record.js';
import { tokenizeAquilaConversation } from '../render/tokenize-aquila-conversation.js';
import type { DatasetRecord, DroppedRecord, DropReason } from '../sources/dataset-record.js';
import { sourceAdapters } from '../sources/source-adapters.js';
import { type BuildConfig, loadBuildConfig, validateBuildConfig } from './build-config.js';
import {
  type BuildReport,
  lengthBucket,
  lengthEdges,
  renderBuildReportHtml,
  type SourceReport,
} from './build-report.js';
import { createJsonlWriter, type JsonlWriter } from './jsonl-writer.js';

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
  signal?: AbortSignal;
  onProgress?: (progress: BuildProgress) => void;
}

const examplesPerReason = 5;
const validationBatch = 256;
/** Drops that mean a line of a text source could not be read as a record; parquet and JSON-array rows have no line. */
const badLineReasons: ReadonlySet<DropReason> = new Set(['invalid-json', 'csv-column-count', 'invalid-row']);
const jsonlOutputs = {
  records: 'records.jsonl',
  pretrainingText: 'pretrain.jsonl',
  sft: 'sft.jsonl',
  trl: 'trl.jsonl',
} as const;

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
  const outputs = config.outputs ?? {};
  const filters = config.filters ?? {};
  const path = (name: string) => join(options.outDirectory, name);
  await checkBuildPaths(options, config);
  const badLines = options.badLines ?? new BadLinePolicy();
  const tokenizer =
    options.tokenizer ??
    (config.tokenizer === undefined ? undefined : await loadBuildTokenizer(config.tokenizer, options.signal));
  if ((outputs.megatron !== undefined || outputs.sftMegatron !== undefined) && tokenizer === undefined) {
    throw new BuildConfigError(
      'The config asks for Megatron outputs but names no tokenizer; add `tokenizer: aquila` (or a path).',
    );
  }
  await mkdir(options.outDirectory, { recursive: true });
  const validator = options.validator ?? createSqlValidator();
  const deduplicator = createDeduplicator();
  const writers: Partial<Record<keyof typeof jsonlOutputs, JsonlWriter>> = {};
  let megatron: IndexedDatasetWriter | undefined;
  let sftMegatron: SftIndexedDatasetWriter | undefined;
  const report: BuildReport = {
    sources: [],
    totals: { read: 0, kept: 0, dropped: 0, duplicates: 0 },
    dropExamples: [],
    licences: {},
    unvalidated: 0,
    rewrittenStrings: 0,
    sftSkipped: 0,
    lengths: {
      unit: tokenizer === undefined ? 'characters' : 'tokens',
      edges: lengthEdges,
      counts: lengthEdges.map(() => 0),
    },
    outputs: {},
    durationMs: 0,
  };
  const examples = new Map<DropReason, number>();
  let pending: {
    record: DatasetRecord;
    where: { file: string; line?: number; row?: number };
    report: SourceReport;
    drop: (dropped: DroppedRecord) => void;
  }[] = [];

  const committed: string[] = [];

  async function abortAll(): Promise<void> {
    await Promise.all([
      ...Object.values(writers).map((writer) => writer.abort()),
      megatron?.abort(),
      sftMegatron?.abort(),
    ]);
  }

  try {
    for (const name of Object.keys(jsonlOutputs) as (keyof typeof jsonlOutputs)[]) {
      if (outputs[name] !== false) writers[name] = await createJsonlWriter(path(jsonlOutputs[name]));
    }
    if (outputs.megatron !== undefined) {
      megatron = await createIndexedDatasetWriter({
        prefix: path(`${outputs.megatron.prefix ?? 'pretrain'}_text_document`),
        vocabularySize: tokenizer!.vocabSize,
        ...documentFramingIds(tokenizer!, { convention: outputs.megatron.convention ?? 'flagscale' }),
        signal: options.signal,
      });
    }
    if (outputs.sftMegatron !== undefined) {
      sftMegatron = await createSftIndexedDatasetWriter({
        prefix: path(outputs.sftMegatron.prefix ?? 'sft'),
        vocabularySize: tokenizer!.vocabSize,
        signal: options.signal,
      });
    }

    for (const source of config.sources) {
      const adapter = sourceAdapters.find((candidate) => candidate.name === source.type)!;
      let sourceReport = report.sources.find((entry) => entry.name === adapter.name);
      if (sourceReport === undefined) {
        sourceReport = { name: adapter.name, files: [], licence: adapter.licence, read: 0, kept: 0, dropped: {} };
        report.sources.push(sourceReport);
      }
      sourceReport.files.push(source.path);
      const current: SourceReport = sourceReport;
      const drop = (dropped: DroppedRecord) => {
        current.dropped[dropped.reason] = (current.dropped[dropped.reason] ?? 0) + 1;
        report.totals.dropped++;
        if (dropped.reason === 'duplicate-across-sources' || dropped.reason === 'duplicate-within-source')
          report.totals.duplicates++;
        const shown = examples.get(dropped.reason) ?? 0;
        if (shown < examplesPerReason) {
          examples.set(dropped.reason, shown + 1);
          report.dropExamples.push(dropped);
        }
      };
      for await (const event of adapter.read({
        path: source.path,
        ...(source.split === undefined ? {} : { split: source.split }),
        signal: options.signal,
      })) {
        current.read++;
        report.totals.read++;
        if (report.totals.read % 5000 === 0)
          options.onProgress?.({
            stage: 'read',
            source: adapter.name,
            read: report.totals.read,
            kept: report.totals.kept,
          });
        if (event.type === 'drop') {
          const { reason, file, line, detail } = event.drop;
          if (line !== undefined && badLineReasons.has(reason))
            badLines.report(
              new BadLineError({
                source: file,
                line,
                problem: reason === 'invalid-json' ? `not valid JSON (${detail})` : detail,
              }),
            );
          drop(event.drop);
          continue;
        }
        const where = { file: source.path, ...positionOf(event.record.id, adapter.format) };
        const record = cleanRecord(event.record);
        if (filters.excludeNonCommercial === true && isNonCommercialLicence(record.licence)) {
          drop({ reason: 'non-commercial-licence', ...where, detail: record.licence });
          continue;
        }
        if (record.task === 'text-to-sql' && record.question === '') {
          drop({ reason: 'empty-question', ...where, detail: 'the question is empty after cleaning' });
          continue;
        }
        if ((record.task === 'text-to-sql' ? record.sql : record.text) === '') {
          drop({ reason: 'empty-sql', ...where, detail: 'the SQL (or text) is empty after cleaning' });
          continue;
        }
        if (filters.deduplicate !== false) {
          const seen = deduplicator.check(record);
          if (seen !== 'new') {
            drop({ reason: seen, ...where, detail: record.id });
            continue;
          }
        }
        pending.push({ record, where, report: current, drop });
        if (pending.length >= validationBatch) await flushPending();
      }
      await flushPending();
    }
    options.onProgress?.({ stage: 'finish', source: '', read: report.totals.read, kept: report.totals.kept });
    options.signal?.throwIfAborted();
    for (const [name, writer] of Object.entries(writers) as [keyof typeof jsonlOutputs, JsonlWriter][]) {
      await writer.finish();
      report.outputs[name] = path(jsonlOutputs[name]);
      committed.push(report.outputs[name]);
    }
    if (megatron !== undefined) {
      report.outputs.megatron = await megatron.finish();
      committed.push(report.outputs.megatron.binPath, report.outputs.megatron.idxPath);
    }
    if (sftMegatron !== undefined) {
      report.outputs.sftMegatron = await sftMegatron.finish();
      for (const pair of Object.values(report.outputs.sftMegatron)) committed.push(pair.binPath, pair.idxPath);
    }
    report.durationMs = Math.round(performance.now() - started);
    for (const [name, data] of [
      ['report.json', `${JSON.stringify(report, null, 2)}\n`],
      ['report.html', renderBuildReportHtml(report)],
    ] as const) {
      await writeFileAtomic({ path: path(name), data });
      committed.push(path(name));
    }
  } catch (error) {
    // Outputs renamed into place before the failure go too: a build leaves all its outputs or none.
    await abortAll();
    await Promise.all(committed.map((file) => rm(file, { force: true })));
    throw error;
  } finally {
    if (options.validator === undefined) await validator.close();
  }
  return report;

  // Records wait here between dedupe and validation, so the validator can check them in batches.
  async function flushPending(): Promise<void> {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const validations =
      filters.validate === false ? undefined : await validator.validateBatch(batch.map((entry) => entry.record));
    for (const [index, entry] of batch.entries()) {
      let { record } = entry;
      const validation = validations?.[index];
      if (validation !== undefined) {
        if (!validation.ok) {
          entry.drop({ reason: validation.reason, ...entry.where, detail: validation.detail });
          continue;
        }
        if (!validation.validated && record.task === 'text-to-sql') report.unvalidated++;
        if (validation.sql !== record.sql) {
          report.rewrittenStrings++;
          record = { ...record, sql: validation.sql };
        }
      }
      entry.report.kept++;
      report.totals.kept++;
      report.licences[record.licence] = (report.licences[record.licence] ?? 0) + 1;
      await writeRecord(record);
    }
  }

  async function writeRecord(record: DatasetRecord): Promise<void> {
    await writers.records?.write(record);
    const text = renderPretrainingText(record);
    await writers.pretrainingText?.write({ text });
    let length = text.length;
    if (tokenizer !== undefined) {
      const ids = tokenizer.encode(text, { addSpecialTokens: false });
      length = ids.length;
      await megatron?.addDocument(ids);
    }
    report.lengths.counts[lengthBucket(length)]!++;
    const turn = renderPromptAndAnswer(record, { wikiSqlAnswer: outputs.wikiSqlAnswer });
    if (turn === undefined) {
      report.sftSkipped++;
      return;
    }
    const sft = flagAiSftRecord(record, turn);
    await writers.sft?.write(sft);
    await writers.trl?.write({ prompt: turn.prompt, completion: turn.answer });
    if (sftMegatron !== undefined) {
      const maxLength = outputs.sftMegatron?.maxLength;
      await sftMegatron.addDocument(
        tokenizeAquilaConversation({
          tokenizer: tokenizer!,
          conversations: sft.conversations,
          ...(maxLength === undefined ? {} : { maxLength }),
        }),
      );
    }
  }
}

/**
 * Before anything is written: every source is a readable file, the output folder is a folder (or missing),
 * and no output file would replace a source or the config (a rename over an input destroys it).
 */
async function checkBuildPaths(options: BuildDatasetOptions, config: BuildConfig): Promise<void> {
  const inputs = config.sources.map((source, index) => ({
    path: source.path,
    label: `sources[${index}] (${source.type})`,
  }));
  for (const input of inputs) await checkInputFile(input);
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

/** Where a record id (`source:split:position`) points: a line in text formats, a row in parquet and JSON arrays. */
function positionOf(id: string, format: string): { line?: number; row?: number } {
  const position = Number(id.slice(id.lastIndexOf(':') + 1));
  if (!Number.isFinite(position)) return {};
  return format === 'csv' || format === 'jsonl' ? { line: position } : { row: position };
}
