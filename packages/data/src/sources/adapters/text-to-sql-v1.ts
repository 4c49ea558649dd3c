import type { SourceEvent } from '../dataset-record.js';
import { readJsonLines } from '../read-json-lines.js';
import {
  layoutError,
  type ReadSourceOptions,
  type SourceAdapter,
  sourceDrop,
  sourceRecord,
  stringField,
} from '../source-adapter.js';

const fields = ['instruction', 'input', 'response'];

/**
 * Clinton/Text-to-sql-v1: `texttosqlv2.jsonl`, 635 MB of `{instruction, input, response, source, text}`
 * (question, CREATE TABLE schema, SQL, origin subset, Alpaca prompt). Streamed line by line, never read whole.
 */
export const textToSqlV1Source: SourceAdapter = {
  name: 'Text-to-sql-v1',
  repository: 'Clinton/Text-to-sql-v1',
  licence: 'apache-2.0',
  format: 'jsonl',
  files: [{ pattern: /^texttosqlv2\.jsonl$/, split: 'train' }],
  async probe(options) {
    // The first JSON object names the fields; later lines that lack them are bad lines, counted as such.
    for await (const event of readJsonLines(options)) {
      if (event.type === 'bad-line') continue;
      const columns = typeof event.value === 'object' && event.value !== null ? Object.keys(event.value) : [];
      if (!fields.every((field) => columns.includes(field)))
        throw layoutError(options.path, columns, `JSON lines with fields ${fields.join(', ')}`);
      return { name: 'jsonl', columns };
    }
    throw layoutError(options.path, [], `JSON lines with fields ${fields.join(', ')}`);
  },
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? 'train';
    for await (const event of readJsonLines(options)) {
      if (event.type === 'bad-line') {
        yield sourceDrop('invalid-json', options.path, { line: event.line }, event.detail);
        continue;
      }
      const value = (typeof event.value === 'object' && event.value !== null ? event.value : {}) as Record<
        string,
        unknown
      >;
      const question = stringField(value.instruction);
      const schema = stringField(value.input);
      const sql = stringField(value.response);
      if (question === undefined || schema === undefined || sql === undefined) {
        yield sourceDrop(
          'invalid-row',
          options.path,
          { line: event.line },
          'expected string fields instruction, input and response',
        );
        continue;
      }
      yield sourceRecord(textToSqlV1Source, split, event.line, { question, schema, sql, dialect: 'sqlite' });
    }
  },
};
