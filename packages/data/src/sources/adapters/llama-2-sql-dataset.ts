import { parseCreateTables } from '@aquila/prompts';
import type { SourceEvent } from '../dataset-record.js';
import { readParquetRows } from '../read-parquet-rows.js';
import {
  type ReadSourceOptions,
  type SourceAdapter,
  sourceDrop,
  sourceRecord,
  stringField,
} from '../source-adapter.js';

const section = /^\s*#{2,3}\s*([A-Za-z][A-Za-z ]*?)\s*:\s*$/gm;

/**
 * Splits a Llama-2-SQL-Dataset `input` prompt into question and schema. The prompt's exact template is not
 * documented; it is an Alpaca-style re-templating of sql-create-context, so this reads `### Name:` sections:
 * the schema is every CREATE TABLE statement, the question the `Input`/`Question` section.
 */
export function parseLlamaSqlPrompt(input: string): { question: string; schema: string } | undefined {
  const statements = parseCreateTables(input).map((table) => table.statement);
  const schema = statements.join('; ');
  const headers = [...input.matchAll(section)];
  for (const [index, header] of headers.entries()) {
    const name = header[1]!.toLowerCase();
    if (name !== 'input' && name !== 'question') continue;
    const end = headers[index + 1]?.index ?? input.length;
    let body = input.slice(header.index + header[0].length, end);
    for (const statement of statements) body = body.replace(statement, '');
    body = body.replace(/^[\s;]+|[\s;]+$/g, '');
    if (body !== '' && schema !== '') return { question: body, schema };
  }
  return undefined;
}

/** ChrisHayduk/Llama-2-SQL-Dataset: parquet `{input, output}`, sql-create-context re-templated as prompts. */
export const llama2SqlDatasetSource: SourceAdapter = {
  name: 'Llama-2-SQL-Dataset',
  repository: 'ChrisHayduk/Llama-2-SQL-Dataset',
  licence: 'unknown',
  format: 'parquet',
  files: [{ path: 'data/train-00000-of-00001-1ba781ea67c6bd7f.parquet', split: 'train' }],
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? 'train';
    for await (const { row, value } of readParquetRows({ ...options, columns: ['input', 'output'] })) {
      const input = stringField(value.input);
      const sql = stringField(value.output);
      const parsed = input === undefined ? undefined : parseLlamaSqlPrompt(input);
      if (sql === undefined || parsed === undefined) {
        yield sourceDrop(
          sql === undefined ? 'invalid-row' : 'unparseable-prompt',
          options.path,
          { row },
          'no question section and CREATE TABLE schema found in input',
        );
        continue;
      }
      yield sourceRecord(llama2SqlDatasetSource, split, row, { ...parsed, sql, dialect: 'sqlite' });
    }
  },
};
