// Benchmark: a full buildDataset over generated inputs in every source format, at realistic size.
// `pnpm --filter @aquila/data bench [-- --records N]` (default 2,000,000 records across the 8 sources;
// the Text-to-sql-v1 JSONL is ~1.2 kB a line, as the real 635 MB file). Prints one table: records/s and peak
// RSS of the build (run in a child process so generation does not count), and the peer: arquero's
// loadCSV over the same CSV versus our streaming parser.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleCommand } from '@aquila/files';
import { parquetWriteFile } from 'hyparquet-writer';
import { type BuildConfig, buildDataset } from '../src/index.js';

const argument = (name: string) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const totalRecords = Number(argument('--records') ?? 2_000_000);
const directory = join(tmpdir(), `aquila-data-bench-${totalRecords}`);

// Shares of the total per source, roughly FlagAI's mix scaled up.
const shares = {
  clinton: 0.16,
  createContext: 0.15,
  llama: 0.15,
  pgWiki: 0.15,
  gpt4: 0.005,
  autotrain: 0.1,
  wikisql: 0.135,
  symbolic: 0.15,
};
const count = (share: number) => Math.max(1, Math.round(totalRecords * share));
const words = [
  'name',
  'age',
  'city',
  'score',
  'team',
  'year',
  'country',
  'title',
  'rank',
  'points',
  'venue',
  'position',
];
const pick = (seed: number, offset: number) => words[(seed * 7 + offset * 13) % words.length]!;

function schemaFor(index: number): { table: string; columns: string[]; ddl: string } {
  const table = `table_name_${index}`;
  const columns = [pick(index, 1), pick(index, 2), `${pick(index, 3)}_${index % 97}`];
  return { table, columns, ddl: `CREATE TABLE ${table} (${columns.map((column) => `${column} VARCHAR`).join(', ')})` };
}
function example(index: number): { question: string; context: string; answer: string } {
  const { table, columns, ddl } = schemaFor(index);
  return {
    question: `What is the ${columns[0]} when the ${columns[1]} is ${index}?`,
    context: ddl,
    answer: `SELECT ${columns[0]} FROM ${table} WHERE ${columns[1]} = "${index}"`,
  };
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const stream = createWriteStream(path);
  for (const line of lines) if (!stream.write(line)) await once(stream, 'drain');
  stream.end();
  await once(stream, 'finish');
}
function* range(n: number): Generator<number> {
  for (let index = 0; index < n; index++) yield index;
}
const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

async function generate(): Promise<void> {
  if (existsSync(join(directory, 'done'))) return;
  await mkdir(directory, { recursive: true });
  const padding =
    'CREATE TABLE procedures (\n    subject_id text,\n    hadm_id text,\n    icd9_code text,\n    short_title text,\n    long_title text\n)\n\n';
  await writeLines(
    join(directory, 'texttosqlv2.jsonl'),
    (function* () {
      for (const index of range(count(shares.clinton))) {
        const row = example(index + 10_000_000);
        const input = `${padding}${row.context}`;
        const text = `Below are sql tables schemas paired with instruction that describes a task. Using valid SQLite, write a response that appropriately completes the request for the provided tables. ### Instruction: ${row.question} ### Input: ${input} ### Response: ${row.answer}`;
        yield `${JSON.stringify({ instruction: row.question, input, response: row.answer, source: 'mimicsql_data', text })}\n`;
      }
    })(),
  );
  await writeFile(
    join(directory, 'sql_create_context_v4.json'),
    JSON.stringify(Array.from(range(count(shares.createContext)), example)),
  );
  // Llama-2-SQL-Dataset re-templates sql-create-context: most rows are copies.
  const llama = Array.from(range(count(shares.llama)), (index) =>
    example(index % 5 === 0 ? index + 20_000_000 : index),
  );
  parquetWriteFile({
    filename: join(directory, 'llama.parquet'),
    columnData: [
      {
        name: 'input',
        data: llama.map(
          (row) =>
            `### Instruction:\nYou are a powerful text-to-SQL model.\n\n### Input:\n${row.question}\n\n### Context:\n${row.context}\n\n### Response:\n`,
        ),
        type: 'STRING',
      },
      { name: 'output', data: llama.map((row) => row.answer), type: 'STRING' },
    ],
  });
  const pgRow = (index: number) => {
    const table = `table1_${Math.floor(index / 3)}_1`; // WikiSQL: about three questions per table
    const ddl = `CREATE TABLE "${table}" ("player" text, "no" text, "position" text, "school_club_team" text);`;
    return [
      `Which position does number ${index} play?`,
      ddl,
      `SELECT "position" FROM "${table}" WHERE "no"='${index}';`,
      `1-${index}-1`,
    ]
      .map(csvField)
      .join(',');
  };
  await writeLines(
    join(directory, 'pg-wikisql-train.csv'),
    (function* () {
      yield 'question,create_table_statement,sql_query,wiki_sql_table_id\n';
      for (const index of range(count(shares.pgWiki))) yield `${pgRow(index)}\n`;
    })(),
  );
  await writeLines(
    join(directory, 'pg-gpt4.csv'),
    (function* () {
      yield 'question,create_table_statement,sql_query,wiki_sql_table_id,total_tokens\n';
      for (const index of range(count(shares.gpt4))) yield `${pgRow(index + 30_000_000)},461\n`;
    })(),
  );
  await writeLines(
    join(directory, 'autotrain.csv'),
    (function* () {
      yield 'text,sql\n';
      for (const index of range(count(shares.autotrain)))
        yield `${csvField(`Show the names of singers older than ${index}, sorted`)},${csvField(`SELECT name FROM singer WHERE age > ${index} ORDER BY name`)}\n`;
    })(),
  );
  const wikisqlRows = count(shares.wikisql);
  const header = ['Player', 'No.', 'Position', 'School/Club Team'];
  parquetWriteFile({
    filename: join(directory, 'wikisql.parquet'),
    columnData: [
      { name: 'question', data: Array.from(range(wikisqlRows), (index) => `Who wore number ${index}?`) },
      {
        name: 'sql',
        data: Array.from(range(wikisqlRows), (index) => ({
          human_readable: `SELECT Player FROM table WHERE No. = ${index}`,
          sel: 0,
          agg: 0,
          conds: { column_index: [1], operator_index: [0], condition: [String(index)] },
        })),
      },
      {
        name: 'table',
        data: Array.from(range(wikisqlRows), (index) => ({
          header,
          types: ['text', 'real', 'text', 'text'],
          id: `1-${Math.floor(index / 3)}-1`,
        })),
      },
    ],
    schema: [
      { name: 'schema', num_children: 3 },
      { name: 'question', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'sql', repetition_type: 'OPTIONAL', num_children: 4 },
      { name: 'human_readable', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'sel', type: 'INT32', repetition_type: 'OPTIONAL' },
      { name: 'agg', type: 'INT32', repetition_type: 'OPTIONAL' },
      { name: 'conds', repetition_type: 'OPTIONAL', num_children: 3 },
      ...(['column_index', 'operator_index', 'condition'] as const).flatMap((name) => [
        { name, repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
        name === 'condition'
          ? {
              name: 'element',
              type: 'BYTE_ARRAY' as const,
              converted_type: 'UTF8' as const,
              repetition_type: 'OPTIONAL' as const,
            }
          : { name: 'element', type: 'INT32' as const, repetition_type: 'OPTIONAL' as const },
      ]),
      { name: 'table', repetition_type: 'OPTIONAL', num_children: 3 },
      ...(['header', 'types'] as const).flatMap((name) => [
        { name, repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
        {
          name: 'element',
          type: 'BYTE_ARRAY' as const,
          converted_type: 'UTF8' as const,
          repetition_type: 'OPTIONAL' as const,
        },
      ]),
      { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ],
  });
  const symbolicRows = count(shares.symbolic);
  parquetWriteFile({
    filename: join(directory, 'symbolic.parquet'),
    columnData: [
      {
        name: 'inputs',
        data: Array.from(
          range(symbolicRows),
          (index) => `select count(*) from w where no = ${index} | col : player | no. row 1 : antonio lang | ${index}`,
        ),
        type: 'STRING',
      },
      { name: 'targets', data: Array.from(range(symbolicRows), () => '1'), type: 'STRING' },
    ],
  });
  await writeFile(join(directory, 'done'), '');
}

const config: BuildConfig = {
  sources: [
    { type: 'sql-create-context', path: join(directory, 'sql_create_context_v4.json') },
    { type: 'Llama-2-SQL-Dataset', path: join(directory, 'llama.parquet') },
    { type: 'Text-to-sql-v1', path: join(directory, 'texttosqlv2.jsonl') },
    { type: 'pg-wikiSQL-sql-instructions-80k', path: join(directory, 'pg-wikisql-train.csv') },
    { type: 'pg-gpt4SQL-sql-instructions-1k', path: join(directory, 'pg-gpt4.csv') },
    { type: 'autotrain-data-nl-to-sql', path: join(directory, 'autotrain.csv') },
    { type: 'sql-context-instructions', path: join(directory, 'wikisql.parquet') },
    { type: 'symbolic-instruction-tuning-sql', path: join(directory, 'symbolic.parquet') },
  ],
  outputs: { records: true, pretrainingText: true, sft: true, trl: true },
};

async function child(): Promise<void> {
  const started = performance.now();
  const report = await buildDataset({ config, outDirectory: join(directory, 'out') });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({ read: report.totals.read, kept: report.totals.kept, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

async function peer(): Promise<{
  ours: { seconds: number; rows: number; maxRssMb: number };
  arquero: { seconds: number; rows: number; maxRssMb: number };
}> {
  const path = join(directory, 'pg-wikisql-train.csv');
  const data = moduleCommand({ from: import.meta.url, source: '../src/index.ts' });
  const script = (code: string) => {
    const result = spawnSync(process.execPath, [...data.execArgv, '--input-type=module', '-e', code], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      maxBuffer: 1 << 24,
    });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { seconds: number; rows: number; maxRssMb: number };
  };
  const ours = script(
    `import { parseCsv, readTextChunks } from ${JSON.stringify(data.path)}; const t = performance.now(); let rows = 0; for await (const row of parseCsv(readTextChunks({ path: ${JSON.stringify(path)} }), { file: 'x' })) rows++; console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, rows: rows - 1, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`,
  );
  const arquero = script(
    `import * as aq from 'arquero'; const t = performance.now(); const table = await aq.loadCSV(${JSON.stringify(path)}, { autoType: false }); console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, rows: table.numRows(), maxRssMb: process.resourceUsage().maxRSS / 1024 }));`,
  );
  return { ours, arquero };
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) return child();
  const generationStarted = performance.now();
  await generate();
  const jsonlMb = (await stat(join(directory, 'texttosqlv2.jsonl'))).size / 2 ** 20;
  process.stderr.write(
    `inputs ready in ${directory} (${((performance.now() - generationStarted) / 1000).toFixed(0)} s; JSONL ${jsonlMb.toFixed(0)} MB)\n`,
  );
  const self = moduleCommand({ from: import.meta.url, source: './build.ts' });
  const result = spawnSync(
    process.execPath,
    [...self.execArgv, self.path, '--child', '--records', String(totalRecords)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`the build failed (${result.status})`);
  const build = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
    read: number;
    kept: number;
    seconds: number;
    maxRssMb: number;
  };
  const { ours, arquero } = await peer();
  const rows = [
    ['step', 'records', 'seconds', 'records/s', 'peak RSS MB'],
    [
      'buildDataset, 8 sources (all outputs, validation)',
      String(build.read),
      build.seconds.toFixed(1),
      (build.read / build.seconds).toFixed(0),
      build.maxRssMb.toFixed(0),
    ],
    [
      'parseCsv streaming (pg-wikiSQL CSV)',
      String(ours.rows),
      ours.seconds.toFixed(2),
      (ours.rows / ours.seconds).toFixed(0),
      ours.maxRssMb.toFixed(0),
    ],
    [
      'peer: arquero loadCSV (same CSV)',
      String(arquero.rows),
      arquero.seconds.toFixed(2),
      (arquero.rows / arquero.seconds).toFixed(0),
      arquero.maxRssMb.toFixed(0),
    ],
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const target = build.seconds <= 600 * (build.read / 2_000_000) && build.maxRssMb < 2048;
  process.stdout.write(
    `${rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')).join('\n')}\n`,
  );
  process.stdout.write(
    `kept ${build.kept} of ${build.read}; target 2M records < 600 s and < 2 GB RSS (scaled to ${build.read} records: ${target ? 'met' : 'NOT met'})\n`,
  );
}

await main();
