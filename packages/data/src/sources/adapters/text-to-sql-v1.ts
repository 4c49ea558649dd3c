import type { SourceEvent } from '../dataset-record.js';
import { readJsonLines } from '../read-json-lines.js';
import {
  type ReadSourceOptions,
  type SourceAdapter,
  sourceDrop,
  sourceRecord,
  stringField,
} from '../source-adapter.js';

/**
 * Clinton/Text-to-sql-v1: `texttosqlv2.jsonl`, 635 MB of `{instruction, input, response, source, text}`
 * (question, CREATE TABLE schema, SQL, origin subset, Alpaca prompt). Streamed line by line, never read whole.
 */
export const textToSqlV1Source: SourceAdapter = {
  name: 'Text-to-sql-v1',
  repository: 'Clinton/Text-to-sql-v1',
  licence: 'apache-2.0',
  format: 'jsonl',
  files: [{ path: 'texttosqlv2.jsonl', split: 'train' }],
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
