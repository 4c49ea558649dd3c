import { readFile, stat } from 'node:fs/promises';
import { SourceFormatError } from '../../errors.js';
import type { SourceEvent } from '../dataset-record.js';
import {
  type ReadSourceOptions,
  type SourceAdapter,
  sourceDrop,
  sourceRecord,
  stringField,
} from '../source-adapter.js';

// V8 strings stop at ~512 MiB; the real file is 21.8 MB, so one read is safe well past it.
const maxJsonBytes = 256 * 1024 * 1024;

/** b-mc2/sql-create-context: `sql_create_context_v4.json`, one JSON array of `{question, context, answer}`. */
export const sqlCreateContextSource: SourceAdapter = {
  name: 'sql-create-context',
  repository: 'b-mc2/sql-create-context',
  licence: 'cc-by-4.0',
  format: 'json',
  files: [{ path: 'sql_create_context_v4.json', split: 'train' }],
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? 'train';
    const size = (await stat(options.path)).size;
    if (size === 0) throw new SourceFormatError(`${options.path}: the file is empty. Download it again.`);
    if (size > maxJsonBytes)
      throw new SourceFormatError(
        `${options.path}: ${size} bytes is too large for one JSON array; convert it to JSONL first.`,
      );
    let rows: unknown;
    try {
      rows = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readFile(options.path)));
    } catch (error) {
      throw new SourceFormatError(
        `${options.path}: not a valid UTF-8 JSON array (${error instanceof Error ? error.message : String(error)}). It is truncated or corrupt; download it again.`,
        { cause: error },
      );
    }
    if (!Array.isArray(rows))
      throw new SourceFormatError(`${options.path}: expected a JSON array of {question, context, answer} objects.`);
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
