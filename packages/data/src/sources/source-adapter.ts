import type { DatasetRecord, DropReason, SourceEvent } from './dataset-record.js';

export interface ReadSourceOptions {
  /** The local file. */
  path: string;
  /** The split these records belong to; adapters with several files guess it from the file name. */
  split?: string;
  signal?: AbortSignal;
}

/** One dataset: where its files are on the hub, its licence, and how to read its real format. */
export interface SourceAdapter {
  /** The dataset name as FlagAI's `opensource_data_map` spells it. */
  name: string;
  /** The dataset hub repository, `owner/name`. */
  repository: string;
  /** SPDX-style licence from the hub metadata, or `unknown`. */
  licence: string;
  format: 'csv' | 'jsonl' | 'json' | 'parquet';
  /** The files FlagAI used, relative to the repository root, with their split. */
  files: readonly { path: string; split: string }[];
  read(options: ReadSourceOptions): AsyncIterable<SourceEvent>;
}

/** Builds a record with the adapter's constant fields filled in. */
export function sourceRecord(
  adapter: Pick<SourceAdapter, 'name' | 'licence'>,
  split: string,
  position: number,
  fields: Pick<DatasetRecord, 'question' | 'schema' | 'sql' | 'dialect'> & Partial<DatasetRecord>,
): SourceEvent {
  return {
    type: 'record',
    record: {
      id: `${adapter.name}:${split}:${position}`,
      source: adapter.name,
      split,
      task: 'text-to-sql',
      licence: adapter.licence,
      ...fields,
    },
  };
}

export function sourceDrop(
  reason: DropReason,
  file: string,
  where: { line?: number; row?: number },
  detail: string,
): SourceEvent {
  return { type: 'drop', drop: { reason, file, ...where, detail } };
}

/** The split named in a file name (`train.csv`, `…-dev.csv`), else `fallback`. */
export function splitFromPath(path: string, fallback: string): string {
  const name = path.split(/[\\/]/).at(-1) ?? '';
  const match = /(?:^|[^a-z])(train|dev|validation|valid|test|eval)(?:[^a-z]|$)/i.exec(name);
  return match ? match[1]!.toLowerCase() : fallback;
}

/** A string field, or undefined when the value is missing or not a string. */
export function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
