import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseWithSchema } from '@aquila/errors';
import * as v from 'valibot';
import { parse } from 'yaml';
import { BuildConfigError } from '../errors.js';
import { checkInputFile } from '../internal/check-input-file.js';
import type { PackConvention } from '../pack/pack-tokenizer.js';
import { sourceAdapters } from '../sources/source-adapters.js';

export interface BuildSourceConfig {
  /** The dataset name (`sql-create-context`, `Text-to-sql-v1`, …): picks the adapter. */
  type: string;
  /** The local file; relative paths are relative to the config file. */
  path: string;
  split?: string;
}

export interface BuildConfig {
  /** Sources in priority order: a record seen again later is a duplicate. */
  sources: BuildSourceConfig[];
  filters?: {
    /** Drop records whose licence forbids commercial use (pg-gpt4SQL is CC-BY-NC-4.0). */
    excludeNonCommercial?: boolean;
    /** Check each SQL against its schema in SQLite/PGlite; default true. */
    validate?: boolean;
    /** Drop duplicates within and across sources; default true. */
    deduplicate?: boolean;
  };
  outputs?: {
    /** `records.jsonl`: the normalised records. Default true. */
    records?: boolean;
    /** `pretrain.jsonl`: `{"text"}` documents. Default true. */
    pretrainingText?: boolean;
    /** `sft.jsonl`: FlagAI conversations. Default true. */
    sft?: boolean;
    /** `trl.jsonl`: prompt/completion. Default true. */
    trl?: boolean;
    /** WikiSQL-shaped records answer with real SQL (default) or WikiSQL's readable form. */
    wikiSqlAnswer?: 'sql' | 'human-readable';
    /** Megatron `<prefix>_text_document.{bin,idx}` of the pretraining text; needs a tokenizer. */
    megatron?: { prefix?: string; convention?: PackConvention };
    /** FlagScale SFT pair `<prefix>_text_document` + `<prefix>_loss_mask_document`; needs a tokenizer. */
    sftMegatron?: { prefix?: string; maxLength?: number };
  };
  /** `aquila` (the tokenizer shipped with @aquila/tokenizer) or a tokenizer file/folder, relative to the config. */
  tokenizer?: string;
}

const shown = (value: unknown): string => String(JSON.stringify(value));

/** `name` as an optional flag: true or false. */
const flag = (name: string) =>
  v.optional(v.boolean((issue) => `${name} must be true or false; got ${shown(issue.input)}`));

/** `name` as an optional non-empty string. */
const text = (name: string) => {
  const message = (issue: v.BaseIssue<unknown>): string =>
    `${name} must be a non-empty string; got ${shown(issue.input)}`;
  return v.optional(v.pipe(v.string(message), v.nonEmpty(message)));
};

/** A mapping (not a list) of the given keys only, a typo among them named. */
const section = <Entries extends v.ObjectEntries>(name: string, entries: Entries) =>
  v.optional(
    v.pipe(
      v.custom<Record<string, unknown>>(
        (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
        (issue) => `${name} must be a mapping; got ${shown(issue.input)}`,
      ),
      v.strictObject(
        entries,
        (issue) => `${name} has no key ${shown(issue.input)} (known: ${Object.keys(entries).join(', ')})`,
      ),
    ),
  );

const sourceNames = sourceAdapters.map((adapter) => adapter.name);
const sourceType = (issue: v.BaseIssue<unknown>): string =>
  `type must be one of ${sourceNames.join(', ')}; got ${shown(issue.input)}`;
const sourcePath = '`path` must name the local file';

const sourceSchema = v.object(
  {
    type: v.picklist(sourceNames, sourceType),
    path: v.pipe(v.string(sourcePath), v.nonEmpty(sourcePath)),
    split: v.optional(v.string('`split` must be a string')),
  },
  // A missing key is the mapping's issue in valibot: worded as the key's own.
  (issue) =>
    issue.expected === '"type"'
      ? sourceType(issue)
      : issue.expected === '"path"'
        ? sourcePath
        : `each source must be a mapping {type, path}; got ${shown(issue.input)}`,
);

const sourcesMessage = '`sources` must be a non-empty list of {type, path}';
const knownKeys = ['sources', 'filters', 'outputs', 'tokenizer'];

const buildConfigSchema = v.pipe(
  v.custom<Record<string, unknown>>(
    (input) => typeof input === 'object' && input !== null,
    'expected a mapping with a `sources` list',
  ),
  v.check(
    (config) => Object.keys(config).every((key) => knownKeys.includes(key)),
    (issue) =>
      `unknown key "${Object.keys(issue.input as object).find((key) => !knownKeys.includes(key))}" (known: ${knownKeys.join(', ')})`,
  ),
  v.object(
    {
      sources: v.pipe(v.array(sourceSchema, sourcesMessage), v.nonEmpty(sourcesMessage)),
      filters: section('filters', {
        excludeNonCommercial: flag('filters.excludeNonCommercial'),
        validate: flag('filters.validate'),
        deduplicate: flag('filters.deduplicate'),
      }),
      outputs: section('outputs', {
        records: flag('outputs.records'),
        pretrainingText: flag('outputs.pretrainingText'),
        sft: flag('outputs.sft'),
        trl: flag('outputs.trl'),
        wikiSqlAnswer: v.optional(
          v.picklist(['sql', 'human-readable'], 'outputs.wikiSqlAnswer must be sql or human-readable'),
        ),
        megatron: section('outputs.megatron', {
          prefix: text('outputs.megatron.prefix'),
          convention: v.optional(
            v.picklist(
              ['flagai', 'flagscale', 'none'],
              'outputs.megatron.convention must be flagai, flagscale or none',
            ),
          ),
        }),
        sftMegatron: section('outputs.sftMegatron', {
          prefix: text('outputs.sftMegatron.prefix'),
          maxLength: v.optional(
            v.message(
              v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
              (issue) => `outputs.sftMegatron.maxLength must be a positive integer; got ${shown(issue.input)}`,
            ),
          ),
        }),
      }),
      tokenizer: v.optional(v.string('`tokenizer` must be `aquila` or a path')),
    },
    sourcesMessage,
  ),
  v.check(
    (config) =>
      (config.outputs?.megatron === undefined && config.outputs?.sftMegatron === undefined) ||
      config.tokenizer !== undefined,
    'Megatron outputs need `tokenizer` (aquila or a path)',
  ),
);

/** Checks a parsed config and resolves source paths against `baseDirectory`. */
export function validateBuildConfig(value: unknown, baseDirectory: string, where = 'build config'): BuildConfig {
  const config = parseWithSchema({
    schema: buildConfigSchema,
    value,
    // Problems of one source say which: `build.yaml, sources[2]: …`.
    error: ({ message, keys }) =>
      new BuildConfigError(
        `${where}${keys[0] === 'sources' && typeof keys[1] === 'number' ? `, sources[${keys[1]}]` : ''}: ${message}`,
      ),
  });
  const tokenizer = config.tokenizer;
  return {
    sources: config.sources.map((source) => ({ ...source, path: resolve(baseDirectory, source.path) })),
    filters: config.filters ?? {},
    outputs: config.outputs ?? {},
    ...(tokenizer === undefined
      ? {}
      : { tokenizer: tokenizer === 'aquila' ? tokenizer : resolve(baseDirectory, tokenizer) }),
  };
}

/** Reads a YAML build config; source and tokenizer paths resolve against the config file's folder. */
export async function loadBuildConfig(options: { path: string }): Promise<BuildConfig> {
  await checkInputFile({ path: options.path, label: 'the build config' });
  let value: unknown;
  try {
    value = parse(await readFile(options.path, 'utf8'));
  } catch (error) {
    // The YAML parser's message goes on with a picture of the line; its first line says what and where.
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/:$/, '');
    throw new BuildConfigError(`${options.path}: not readable YAML (${reason}).`, { cause: error });
  }
  return validateBuildConfig(value, dirname(resolve(options.path)), options.path);
}
