// Writes packages/data/samples/: a few rows of each source in its exact on-hub format (names, types,
// quoting, nesting, snappy parquet). Run with `pnpm exec tsx test/generate-samples.ts`; the output is committed.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { int32, string, wikiSqlStruct, wikiTableFields } from './parquet-schema.js';

const directory = fileURLToPath(new URL('../samples/', import.meta.url));

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
function csv(header: string[], rows: (string | number)[][]): string {
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

const head = {
  question: 'How many heads of the departments are older than 56 ?',
  context: 'CREATE TABLE head (age INTEGER)',
  answer: 'SELECT COUNT(*) FROM head WHERE age > 56',
};
const department = {
  question: 'List the creation year, name and budget of each department.',
  context: 'CREATE TABLE department (creation VARCHAR, name VARCHAR, budget_in_billions VARCHAR)',
  answer: 'SELECT creation, name, budget_in_billions FROM department',
};
const player = {
  question: 'What is the position of the player with number 23?',
  context: 'CREATE TABLE table_name_12 (position VARCHAR, no VARCHAR)',
  answer: 'SELECT position FROM table_name_12 WHERE no = "23"',
};
const badColumn = {
  question: 'Who is the manager of the store?',
  context: 'CREATE TABLE store (name VARCHAR)',
  answer: 'SELECT manager FROM store',
};
const repeated = { ...head, answer: 'SELECT COUNT(*)  FROM head\nWHERE age > 56;' };

const llamaInstruction =
  'You are a powerful text-to-SQL model. Your job is to answer questions about a database. You are given a question and context regarding one or more tables.\n\nYou must output the SQL query that answers the question.';
function llamaInput(row: { question: string; context: string }): string {
  return `### Instruction:\n${llamaInstruction}\n\n### Input:\n${row.question}\n\n### Context:\n${row.context}\n\n### Response:\n`;
}

function clintonText(instruction: string, input: string, response: string): string {
  return `Below are sql tables schemas paired with instruction that describes a task. Using valid SQLite, write a response that appropriately completes the request for the provided tables. ### Instruction: ${instruction} ### Input: ${input} ### Response: ${response}`;
}

async function main(): Promise<void> {
  await mkdir(directory, { recursive: true });

  await writeFile(
    `${directory}autotrain-data-nl-to-sql-train.csv`,
    csv(
      ['text', 'sql'],
      [
        ['Show all the distinct names of singers', 'SELECT DISTINCT name FROM singer'],
        [
          'How many concerts are there in 2014, or 2015?',
          'SELECT count(*) FROM concert WHERE year = 2014 OR year = 2015',
        ],
        ['What is the average age of all "active" members?', "SELECT avg(age) FROM member WHERE status = 'active'"],
      ],
    ),
  );

  const pgHeader = ['question', 'create_table_statement', 'sql_query', 'wiki_sql_table_id'];
  const wikiTable =
    'CREATE TABLE "table1_10015132_11" ("player" text, "no" text, "nationality" text, "position" text, "years_in_toronto" text, "school_club_team" text);';
  await writeFile(
    `${directory}pg-wikiSQL-sql-instructions-80k-train.csv`,
    csv(pgHeader, [
      [
        'What position does the player who played for butler cc (ks) play?',
        wikiTable,
        `SELECT "position" FROM "table1_10015132_11" WHERE "school_club_team"='Butler CC (KS)';`,
        '1-10015132-11',
      ],
      [
        'How many schools did player number 3 play at?\nAnswer with a count.',
        wikiTable,
        `SELECT COUNT("school_club_team") FROM "table1_10015132_11" WHERE "no"='3';`,
        '1-10015132-11',
      ],
      [
        'What is the "nickname" of the player from Toronto?',
        wikiTable,
        `SELECT "nickname" FROM "table1_10015132_11" WHERE "school_club_team"='Toronto';`,
        '1-10015132-11',
      ],
    ]),
  );
  await writeFile(
    `${directory}pg-wikiSQL-sql-instructions-80k-dev.csv`,
    csv(pgHeader, [
      [
        'Who is the player that wears number 42?',
        wikiTable,
        `SELECT "player" FROM "table1_10015132_11" WHERE "no"='42';`,
        '1-10015132-11',
      ],
    ]),
  );
  await writeFile(
    `${directory}pg-gpt4SQL-sql-instructions-1k.csv`,
    csv(
      [...pgHeader, 'total_tokens'],
      [
        [
          'Determine the number of unique formats per each type of notes for South Australia, and show the top 3 notes with the most unique formats.',
          'CREATE TABLE "table1_1000181_1" ("state_territory" text, "text_background_colour" text, "format" text, "current_slogan" text, "current_series" text, "notes" text);',
          `SELECT "notes", COUNT(DISTINCT "format") FROM "table1_1000181_1" WHERE "state_territory"='South Australia' GROUP BY "notes" ORDER BY COUNT(DISTINCT "format") DESC LIMIT 3;`,
          '1-1000181-1',
          461,
        ],
      ],
    ),
  );

  const mimic =
    'CREATE TABLE demographic (\n    subject_id text,\n    hadm_id text,\n    name text,\n    age text,\n    admission_type text\n)\n\nCREATE TABLE procedures (\n    subject_id text,\n    hadm_id text,\n    short_title text\n)';
  const clinton = [
    { instruction: head.question, input: head.context, response: head.answer, source: 'sql_create_context' },
    {
      instruction:
        'provide the number of patients whose admission type is emergency and procedure short title is venous cath nec?',
      input: mimic,
      response:
        'SELECT COUNT(DISTINCT demographic.subject_id) FROM demographic INNER JOIN procedures ON demographic.hadm_id = procedures.hadm_id WHERE demographic.admission_type = "EMERGENCY" AND procedures.short_title = "Venous cath NEC"',
      source: 'mimicsql_data',
    },
    {
      instruction: 'what is the oldest age of a patient?',
      input: mimic,
      response: 'SELECT MAX(demographic.age) FROM demographic',
      source: 'mimicsql_data',
    },
  ];
  await writeFile(
    `${directory}Text-to-sql-v1.jsonl`,
    `${clinton
      .map((row) => JSON.stringify({ ...row, text: clintonText(row.instruction, row.input, row.response) }))
      .join('\n')}\n`,
  );

  await writeFile(
    `${directory}sql_create_context_v4.json`,
    JSON.stringify([head, department, player, badColumn, repeated], null, 2),
  );

  const llamaRows = [
    head,
    department,
    {
      question: 'What is the total number of wins for the team Eagles?',
      context: 'CREATE TABLE table_name_40 (wins INTEGER, team VARCHAR)',
      answer: 'SELECT SUM(wins) FROM table_name_40 WHERE team = "Eagles"',
    },
  ];
  await writeFile(
    `${directory}Llama-2-SQL-Dataset-train-00000-of-00001-1ba781ea67c6bd7f.parquet`,
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'input', data: [...llamaRows.map(llamaInput), 'a prompt with no sections'], type: 'STRING' },
          { name: 'output', data: [...llamaRows.map((row) => row.answer), 'SELECT 1'], type: 'STRING' },
        ],
      }),
    ),
  );

  const wikiTableStruct = {
    header: ['Player', 'No.', 'Nationality', 'Position', 'Years in Toronto', 'School/Club Team'],
    page_title: 'Toronto Raptors all-time roster',
    page_id: '',
    types: ['text', 'real', 'text', 'text', 'text', 'text'],
    id: '1-10015132-11',
    section_title: 'L',
    caption: 'L',
    rows: [
      ['Antonio Lang', '21', 'United States', 'Guard-Forward', '1999-2000', 'Duke'],
      ['Voshon Lenard', '2', 'United States', 'Guard', '2002-03', 'Minnesota'],
    ],
    name: 'table_10015132_11',
  };
  const wikiRows = [
    {
      phase: 1,
      question: 'What position does the player who played for butler cc (ks) play?',
      sql: {
        human_readable: 'SELECT Position FROM table WHERE School/Club Team = Butler CC (KS)',
        sel: 3,
        agg: 0,
        conds: { column_index: [5], operator_index: [0], condition: ['Butler CC (KS)'] },
      },
      table: wikiTableStruct,
    },
    {
      phase: 1,
      question: 'How many players wore number 2?',
      sql: {
        human_readable: 'SELECT COUNT Player FROM table WHERE No. = 2',
        sel: 0,
        agg: 3,
        conds: { column_index: [1], operator_index: [0], condition: ['2'] },
      },
      table: wikiTableStruct,
    },
    {
      phase: 1,
      question: "Which player's number is above 20 and went to Duke?",
      sql: {
        human_readable: 'SELECT Player FROM table WHERE No. > 20 AND School/Club Team = Duke',
        sel: 0,
        agg: 0,
        conds: { column_index: [1, 5], operator_index: [1, 0], condition: ['20', 'Duke'] },
      },
      table: wikiTableStruct,
    },
    {
      phase: 2,
      question: 'A row whose logical form points past the header',
      sql: {
        human_readable: 'SELECT ? FROM table',
        sel: 9,
        agg: 0,
        conds: { column_index: [], operator_index: [], condition: [] },
      },
      table: wikiTableStruct,
    },
  ];
  await writeFile(
    `${directory}sql-context-instructions-train-00000-of-00001-a2d2f513b79f5b3d.parquet`,
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'phase', data: wikiRows.map((row) => row.phase) },
          { name: 'question', data: wikiRows.map((row) => row.question) },
          { name: 'sql', data: wikiRows.map((row) => row.sql) },
          { name: 'table', data: wikiRows.map((row) => row.table) },
        ],
        schema: [
          { name: 'schema', num_children: 4 },
          int32('phase'),
          string('question'),
          ...wikiSqlStruct,
          { name: 'table', repetition_type: 'OPTIONAL', num_children: 9 },
          ...wikiTableFields,
        ],
      }),
    ),
  );

  await writeFile(
    `${directory}symbolic-instruction-tuning-sql-train-00000-of-00001-09775d42d91b2c08.parquet`,
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          {
            name: 'inputs',
            data: [
              'select count(*) from w where position = "guard" | col : player | no. | position row 1 : antonio lang | 21 | guard-forward row 2 : voshon lenard | 2 | guard',
              'select max ( no. ) from w | col : player | no. row 1 : antonio lang | 21 row 2 : voshon lenard | 2',
            ],
            type: 'STRING',
          },
          { name: 'targets', data: ['1', '21'], type: 'STRING' },
        ],
      }),
    ),
  );
}

await main();
