// Files of the eight sources laid out as each dataset card describes them (names, formats, columns), with rows
// written here where no real rows were available; the two sources with real rows use them (test-kit's
// fixtures/dataset-rows/). Keyed by source name, then by the path in the hub repository.
import { readFile } from 'node:fs/promises';
import { datasetRowsDirectory } from '@aquila/test-kit';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { int32, string, wikiSqlStruct, wikiTableFields } from './parquet-schema.js';

const parquet = (options: Parameters<typeof parquetWriteBuffer>[0]) =>
  Buffer.from(new Uint8Array(parquetWriteBuffer(options)));

/** The hub's names of the files whose names carry a hash. */
export const cardFileNames = {
  llama: 'data/train-00000-of-00001-922416e34c5bc71c.parquet',
  sqlContext: 'data/train-00000-of-00001-a2d2f513b79f5b3d.parquet',
  symbolic: 'data/train-00000-of-00001-09775d42d91b2c08.parquet',
  conversion: 'default/train/0000.parquet',
} as const;

const realRows = async () => ({
  sqlCreateContext: await readFile(`${datasetRowsDirectory}sql-create-context/sql_create_context_v4.json`),
  pgGpt4: await readFile(`${datasetRowsDirectory}pg-gpt4SQL-sql-instructions-1k/train.csv`),
});

/** Llama-2-SQL-Dataset's template: the question under `### Instruction:`, the CREATE TABLEs under `### Input:`. */
export function llamaPrompt(row: { question: string; context: string }): string {
  return `Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n${row.question}\n\n### Input:\n${row.context}\n\n### Response:\n`;
}

const table = {
  header: ['Player', 'No.', 'Position'],
  page_title: 'Toronto Raptors all-time roster',
  page_id: '',
  types: ['text', 'real', 'text'],
  id: '1-10015132-11',
  section_title: 'L',
  caption: 'L',
  rows: [['Antonio Lang', '21', 'Guard-Forward']],
  name: 'table_10015132_11',
};
const wikiSql = {
  human_readable: 'SELECT Position FROM table WHERE No. = 21',
  sel: 2,
  agg: 0,
  conds: { column_index: [1], operator_index: [0], condition: ['21'] },
};

/** goendalf666/sql-context-instructions as its card shows it: the table's fields as top-level columns, no `table`. */
export function sqlContextTopLevel(): Buffer {
  const columns = Object.entries(table).map(([name, value]) => ({ name, data: [value] }));
  return parquet({
    columnData: [
      { name: 'phase', data: [1] },
      { name: 'question', data: ['What position does number 21 play?'] },
      { name: 'sql', data: [wikiSql] },
      ...columns,
      { name: 'sql_table', data: ['CREATE TABLE table_10015132_11 (Player TEXT, No. REAL, Position TEXT)'] },
      { name: 'sql_alpaca_format', data: ['### Instruction: What position does number 21 play? ### Response: '] },
      { name: '__index_level_0__', data: [0] },
    ],
    schema: [
      { name: 'schema', num_children: 3 + 9 + 3 },
      int32('phase'),
      string('question'),
      ...wikiSqlStruct,
      ...wikiTableFields,
      string('sql_table'),
      string('sql_alpaca_format'),
      int32('__index_level_0__'),
    ],
  });
}

/** Every source's files: the two with real rows, the six others as their cards describe. */
export async function cardLayoutFiles(): Promise<Record<string, Record<string, Buffer>>> {
  const real = await realRows();
  const pgRow = (question: string, sql: string) =>
    `question,create_table_statement,sql_query,wiki_sql_table_id\n"${question}","CREATE TABLE ""table_1_10015132_11"" (""player"" text, ""no"" real, ""position"" text);","${sql.replaceAll('"', '""')}",1-10015132-11\n`;
  const clinton = (instruction: string, input: string, response: string) =>
    JSON.stringify({
      instruction,
      input,
      response,
      source: 'sql_create_context',
      text: `Below are sql tables schemas paired with instruction that describes a task. Using valid SQLite, write a response that appropriately completes the request for the provided tables. ### Instruction: ${instruction} ### Input: ${input} ### Response: ${response}`,
    });
  const llamaRows = [
    {
      question: 'How many heads of the departments are older than 56 ?',
      context: 'CREATE TABLE head (age INTEGER)',
      answer: 'SELECT COUNT(*) FROM head WHERE age > 56',
    },
    {
      question: 'What are the names of the heads who are born outside California?',
      context: 'CREATE TABLE head (name VARCHAR, born_state VARCHAR)',
      answer: "SELECT name FROM head WHERE born_state <> 'California'",
    },
  ];
  return {
    'autotrain-data-nl-to-sql': {
      [cardFileNames.conversion]: parquet({
        columnData: [
          { name: 'autotrain_text', data: ['Show all singer names', 'How many concerts are there?'], type: 'STRING' },
          {
            name: 'autotrain_label',
            data: ['SELECT name FROM singer', 'SELECT count(*) FROM concert'],
            type: 'STRING',
          },
        ],
      }),
    },
    'pg-wikiSQL-sql-instructions-80k': {
      'train.csv': Buffer.from(
        pgRow('Which position does number 21 play?', 'SELECT "position" FROM "table_1_10015132_11" WHERE "no" = 21'),
      ),
      'dev.csv': Buffer.from(pgRow('How many players are there?', 'SELECT COUNT("player") FROM "table_1_10015132_11"')),
    },
    'pg-gpt4SQL-sql-instructions-1k': { 'train.csv': real.pgGpt4 },
    'Text-to-sql-v1': {
      'texttosqlv2.jsonl': Buffer.from(
        `${clinton('How many singers are there?', 'CREATE TABLE singer (singer_id INTEGER, name TEXT)', 'SELECT COUNT(*) FROM singer')}\n`,
      ),
    },
    'sql-create-context': { 'sql_create_context_v4.json': real.sqlCreateContext },
    'Llama-2-SQL-Dataset': {
      [cardFileNames.llama]: parquet({
        columnData: [
          {
            name: 'input',
            data: [...llamaRows.map(llamaPrompt), '<s>[INST] How many heads are there? [/INST]'],
            type: 'STRING',
          },
          {
            name: 'output',
            data: [...llamaRows.map((row) => row.answer), 'SELECT COUNT(*) FROM head'],
            type: 'STRING',
          },
        ],
      }),
    },
    'sql-context-instructions': { [cardFileNames.sqlContext]: sqlContextTopLevel() },
    'symbolic-instruction-tuning-sql': {
      [cardFileNames.symbolic]: parquet({
        columnData: [
          { name: 'inputs', data: ['select count(*) from w | col : player row 1 : antonio lang'], type: 'STRING' },
          { name: 'targets', data: ['1'], type: 'STRING' },
        ],
      }),
    },
  };
}
