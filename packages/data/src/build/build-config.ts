import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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

function fail(where: string, message: string): never {
  throw new BuildConfigError(`${where}: ${message}`);
}

/** Checks a parsed config and resolves source paths against `baseDirectory`. */
export function validateBuildConfig(value: unknown, baseDirectory: string, where = 'build config'): BuildConfig {
  if (typeof value !== 'object' || value === null) fail(where, 'expected a mapping with a `sources` list');
  const config = value as Record<string, unknown>;
  const known = new Set(['sources', 'filters', 'outputs', 'tokenizer']);
  for (const key of Object.keys(config))
    if (!known.has(key)) fail(where, `unknown key "${key}" (known: ${[...known].join(', ')})`);
  if (!Array.isArray(config.sources) || config.sources.length === 0)
    fail(where, '`sources` must be a non-empty list of {type, path}');
  const names = sourceAdapters.map((adapter) => adapter.name);
  const sources = config.sources.map((entry: unknown, index): BuildSourceConfig => {
    const source = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof source.type !== 'string' || !names.includes(source.type))
      fail(
        `${where}, sources[${index}]`,
        `type must be one of ${names.join(', ')}; got ${JSON.stringify(source.type)}`,
      );
    if (typeof source.path !== 'string' || source.path === '')
      fail(`${where}, sources[${index}]`, '`path` must name the local file');
    if (source.split !== undefined && typeof source.split !== 'string')
      fail(`${where}, sources[${index}]`, '`split` must be a string');
    return {
      type: source.type,
      path: resolve(baseDirectory, source.path),
      ...(typeof source.split === 'string' ? { split: source.split } : {}),
    };
  });
  if (config.tokenizer !== undefined && typeof config.tokenizer !== 'string')
    fail(where, '`tokenizer` must be `aquila` or a path');
  const tokenizer =
    config.tokenizer === undefined || config.tokenizer === 'aquila'
      ? config.tokenizer
      : resolve(baseDirectory, config.tokenizer as string);
  const outputs = (config.outputs ?? {}) as BuildConfig['outputs'];
  const megatron = outputs?.megatron;
  if (megatron?.convention !== undefined && !['flagai', 'flagscale', 'none'].includes(megatron.convention))
    fail(where, 'outputs.megatron.convention must be flagai, flagscale or none');
  if ((megatron !== undefined || outputs?.sftMegatron !== undefined) && tokenizer === undefined)
    fail(where, 'Megatron outputs need `tokenizer` (aquila or a path)');
  return {
    sources,
    filters: (config.filters ?? {}) as BuildConfig['filters'],
    outputs,
    ...(tokenizer === undefined ? {} : { tokenizer }),
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
