import { parseCreateTables } from '@aquila/prompts';
import type { SourceEvent } from '../dataset-record.js';
import { openParquetFile, readParquetRows } from '../read-parquet-rows.js';
import {
  type ProbeSourceOptions,
  parquetConversionTrain,
  type ReadSourceOptions,
  requireColumns,
  type SourceAdapter,
  type SourceLayout,
  sourceDrop,
  sourceRecord,
  stringField,
} from '../source-adapter.js';

/** A `### Name:` section header, at a line start or inline (`### Instruction: … ### Input: …`). */
const section = /(?:^|\s)#{2,3}[ \t]*([A-Za-z][A-Za-z ]{0,30}?)[ \t]*:/g;

/** The prompt templates the dataset's rows come in, by the names the build report counts them under. */
export const llamaPromptTemplates = {
  /** The dataset's own: the question under `### Instruction:`, the CREATE TABLEs under `### Input:`. */
  instructionInput: 'alpaca (### Instruction: question, ### Input: schema)',
  /** An older re-templating: a task text under `### Instruction:`, the question under `### Input:`, the schema under `### Context:`. */
  inputContext: 'alpaca (### Input: question, ### Context: schema)',
} as const;

/** The `### Name:` sections of a prompt: their names in order, and the text of one by name. */
function promptSections(input: string): { names: string[]; body: (name: string) => string | undefined } {
  const headers = [...input.matchAll(section)].map((match) => ({
    name: match[1]!.trim(),
    start: match.index,
    body: match.index + match[0].length,
  }));
  return {
    names: headers.map((header) => header.name),
    body: (name) => {
      const index = headers.findIndex((header) => header.name.toLowerCase() === name);
      if (index === -1) return undefined;
      return input.slice(headers[index]!.body, headers[index + 1]?.start ?? input.length);
    },
  };
}

/** The name of a prompt's template: one of {@link llamaPromptTemplates}, or a description of another. */
function llamaPromptTemplate(input: string): string {
  const { names, body } = promptSections(input);
  const question = body('input') ?? body('question');
  if (question !== undefined && body('context') !== undefined) return llamaPromptTemplates.inputContext;
  if (question !== undefined && body('instruction') !== undefined) return llamaPromptTemplates.instructionInput;
  if (input.includes('[INST]')) return 'llama-2-chat ([INST])';
  if (input.includes('<|im_start|>')) return 'chatml (<|im_start|>)';
  if (input.includes('<|user|>')) return 'zephyr (<|user|>)';
  if (names.length > 0) return `sections ${names.map((name) => `### ${name}:`).join(' ')}`;
  return 'no template (no ### sections)';
}

/**
 * Splits a Llama-2-SQL-Dataset `input` prompt into question and schema by its template: the dataset's own
 * (`### Instruction:` question, `### Input:` CREATE TABLEs), or the `### Input:`/`### Context:` layout of earlier
 * re-templatings. Undefined for any other template, or a section without its question or CREATE TABLEs.
 */
export function parseLlamaSqlPrompt(input: string): { question: string; schema: string } | undefined {
  const { body } = promptSections(input);
  const schemaOf = (text: string) =>
    parseCreateTables(text)
      .map((table) => table.statement)
      .join('; ');
  const clean = (text: string) => text.replace(/^[\s;]+|[\s;]+$/g, '');
  const context = body('context');
  const inputSection = body('input') ?? body('question');
  if (inputSection === undefined) return undefined;
  if (context !== undefined) {
    let question = inputSection;
    for (const table of parseCreateTables(inputSection)) question = question.replace(table.statement, '');
    const schema = schemaOf(context) || schemaOf(inputSection);
    return clean(question) === '' || schema === '' ? undefined : { question: clean(question), schema };
  }
  const instruction = clean(body('instruction') ?? '');
  const schema = schemaOf(inputSection);
  return instruction === '' || schema === '' ? undefined : { question: instruction, schema };
}

const columns = ['input', 'output'] as const;

/**
 * ChrisHayduk/Llama-2-SQL-Dataset: parquet `{input, output}`, sql-create-context re-templated as Alpaca prompts
 * (`data/train-00000-of-00001-<hash>.parquet`; the hash changes when the file is rewritten).
 */
export const llama2SqlDatasetSource: SourceAdapter = {
  name: 'Llama-2-SQL-Dataset',
  repository: 'ChrisHayduk/Llama-2-SQL-Dataset',
  licence: 'unknown',
  format: 'parquet',
  files: [{ pattern: /^data\/train-\d{5}-of-\d{5}(-[0-9a-f]+)?\.parquet$/, split: 'train' }],
  conversion: parquetConversionTrain,
  async probe(options: ProbeSourceOptions): Promise<SourceLayout> {
    const file = await openParquetFile(options.path);
    requireColumns(options.path, file.columns, columns);
    return { name: 'parquet (input prompt, output sql)', columns: file.columns };
  },
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? 'train';
    for await (const { row, value } of readParquetRows({ ...options, columns })) {
      const input = stringField(value.input);
      const sql = stringField(value.output);
      if (input === undefined || sql === undefined) {
        yield sourceDrop('invalid-row', options.path, { row }, 'expected string columns input and output');
        continue;
      }
      const parsed = parseLlamaSqlPrompt(input);
      const layout = llamaPromptTemplate(input);
      yield parsed === undefined
        ? {
            ...sourceDrop(
              'unparseable-prompt',
              options.path,
              { row },
              `prompt template ${layout}: no question and CREATE TABLE schema found in its sections`,
            ),
            layout,
          }
        : { ...sourceRecord(llama2SqlDatasetSource, split, row, { ...parsed, sql, dialect: 'sqlite' }), layout };
    }
  },
};
