import { readFile, stat } from 'node:fs/promises';
import { SourceFormatError } from '../../errors.js';
import type { SourceEvent } from '../dataset-record.js';
import { readTextChunks } from '../read-text-chunks.js';
import {
  layoutError,
  type ReadSourceOptions,
  type SourceAdapter,
  sourceDrop,
  sourceRecord,
  stringField,
} from '../source-adapter.js';

// V8 strings stop at ~512 MiB; the real file is 21.8 MB, so one read is safe well past it.
const maxJsonBytes = 256 * 1024 * 1024;

const fields = ['question', 'context', 'answer'];
// The first object of the real file is a few hundred characters; a file that holds none this early is not it.
const maxProbeCharacters = 1 << 20;

/** The file as one JSON array; a file that is empty, too large, not UTF-8 or no JSON array is a `SourceFormatError`. */
async function readJsonArray(path: string): Promise<unknown[]> {
  const size = (await stat(path)).size;
  if (size === 0) throw new SourceFormatError(`${path}: the file is empty. Download it again.`);
  if (size > maxJsonBytes)
    throw new SourceFormatError(`${path}: ${size} bytes is too large for one JSON array; convert it to JSONL first.`);
  let rows: unknown;
  try {
    rows = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readFile(path)));
  } catch (error) {
    throw new SourceFormatError(
      `${path}: not a valid UTF-8 JSON array (${error instanceof Error ? error.message : String(error)}). It is truncated or corrupt; download it again.`,
      { cause: error },
    );
  }
  if (!Array.isArray(rows))
    throw new SourceFormatError(`${path}: expected a JSON array of {question, context, answer} objects.`);
  return rows;
}

/**
 * The first object of a JSON array, read from the start of the file only (the whole array is parsed when the
 * records are read); undefined for an empty array. Text that starts no JSON array is a `SourceFormatError`.
 */
async function firstArrayObject(options: { path: string; signal?: AbortSignal }): Promise<object | undefined> {
  const notAnArray = () =>
    new SourceFormatError(
      `${options.path}: does not start a JSON array of {question, context, answer} objects. It is truncated or not this dataset's file; download it again.`,
    );
  let text = '';
  for await (const chunk of readTextChunks(options)) {
    text += chunk;
    const start = text.search(/\S/);
    if (start !== -1 && text[start] !== '[') throw notAnArray();
    if (/^\s*\[\s*\]/.test(text)) return undefined;
    const open = text.indexOf('{', start);
    let depth = 0;
    let quoted = false;
    for (let index = open; open !== -1 && index < text.length; index++) {
      const character = text[index];
      if (quoted) {
        if (character === '\\') index++;
        else if (character === '"') quoted = false;
      } else if (character === '"') quoted = true;
      else if (character === '{') depth++;
      else if (character === '}' && --depth === 0) {
        try {
          return JSON.parse(text.slice(open, index + 1)) as object;
        } catch {
          throw notAnArray();
        }
      }
    }
    if (text.length > maxProbeCharacters) break;
  }
  if (text === '') throw new SourceFormatError(`${options.path}: the file is empty. Download it again.`);
  throw notAnArray();
}

/** b-mc2/sql-create-context: `sql_create_context_v4.json`, one JSON array of `{question, context, answer}`. */
export const sqlCreateContextSource: SourceAdapter = {
  name: 'sql-create-context',
  repository: 'b-mc2/sql-create-context',
  licence: 'cc-by-4.0',
  format: 'json',
  files: [{ pattern: /^sql_create_context_v4\.json$/, split: 'train' }],
  async probe(options) {
    const first = await firstArrayObject(options);
    const columns = first === undefined ? [] : Object.keys(first);
    if (!fields.every((field) => columns.includes(field)))
      throw layoutError(options.path, columns, `a JSON array of objects with fields ${fields.join(', ')}`);
    return { name: 'json array', columns };
  },
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? 'train';
    const rows = await readJsonArray(options.path);
    for (const [row, value] of rows.entries()) {
      options.signal?.throwIfAborted();
      const object = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
      const question = stringField(object.question);
      const schema = stringField(object.context);
      const sql = stringField(object.answer);
      if (question === undefined || schema === undefined || sql === undefined) {
        yield sourceDrop('invalid-row', options.path, { row }, 'expected string fields question, context and answer');
        continue;
      }
      yield sourceRecord(sqlCreateContextSource, split, row, { question, schema, sql, dialect: 'sqlite' });
    }
  },
};
