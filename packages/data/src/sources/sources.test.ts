import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplesDirectory } from '../../test/samples-directory.js';
import { SourceColumnsError, SourceEncodingError, SourceFormatError } from '../errors.js';
import { sniffQuestionAndSqlColumns } from './adapters/autotrain-nl-to-sql.js';
import { parseLlamaSqlPrompt } from './adapters/llama-2-sql-dataset.js';
import { wikiSqlToSql } from './adapters/sql-context-instructions.js';
import type { SourceEvent } from './dataset-record.js';
import { parseCsv } from './parse-csv.js';
import { chunked } from './parse-csv.properties.js';
import { readLines } from './read-lines.js';
import { sourceAdapters } from './source-adapters.js';

const samples = samplesDirectory();
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-sources-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function collect(name: string, file: string, directoryPath = samples): Promise<SourceEvent[]> {
  const adapter = sourceAdapters.find((candidate) => candidate.name === name)!;
  const events: SourceEvent[] = [];
  for await (const event of adapter.read({ path: join(directoryPath, file) })) events.push(event);
  return events;
}

describe('streaming CSV parser', () => {
  it('reports the line where an unbalanced quote opened', async () => {
    const text = 'question,sql\na,b\n"fine\nmultiline",c\nd,"never closed\ne,f\n';
    const rows = parseCsv(chunked(text, [5]), { file: 'bad.csv' });
    await expect(async () => {
      for await (const row of rows) void row;
    }).rejects.toThrow(/bad\.csv: the file ends inside quotes: the quoted field opened on line 5/);
  });

  it('records start lines across multi-line fields, and stray quotes stay literal', async () => {
    const rows = [];
    for await (const row of parseCsv(chunked('a,b\n"x\ny",z\n\nq"w,e', [3]), { file: 'x.csv' })) rows.push(row);
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x\ny', 'z'] },
      { line: 5, fields: ['q"w', 'e'] },
    ]);
  });
});

describe('source files in their exact formats', () => {
  it('reads every bundled sample with the right fields', async () => {
    const records = async (name: string, file: string) =>
      (await collect(name, file)).flatMap((event) => (event.type === 'record' ? [event.record] : []));
    const autotrain = await records('autotrain-data-nl-to-sql', 'autotrain-data-nl-to-sql-train.csv');
    expect(autotrain[2]).toMatchObject({
      question: 'What is the average age of all "active" members?',
      sql: "SELECT avg(age) FROM member WHERE status = 'active'",
      schema: '',
      licence: 'unknown',
    });
    const wiki = await records('pg-wikiSQL-sql-instructions-80k', 'pg-wikiSQL-sql-instructions-80k-train.csv');
    expect(wiki.map((record) => [record.id, record.split, record.dialect])).toEqual([
      ['pg-wikiSQL-sql-instructions-80k:train:2', 'train', 'postgres'],
      ['pg-wikiSQL-sql-instructions-80k:train:3', 'train', 'postgres'],
      ['pg-wikiSQL-sql-instructions-80k:train:5', 'train', 'postgres'],
    ]);
    expect(wiki[1]!.question).toBe('How many schools did player number 3 play at?\nAnswer with a count.');
    expect(
      (await records('pg-wikiSQL-sql-instructions-80k', 'pg-wikiSQL-sql-instructions-80k-dev.csv'))[0]!.split,
    ).toBe('dev');
    expect((await records('pg-gpt4SQL-sql-instructions-1k', 'pg-gpt4SQL-sql-instructions-1k.csv'))[0]!.licence).toBe(
      'cc-by-nc-4.0',
    );
    const clinton = await records('Text-to-sql-v1', 'Text-to-sql-v1.jsonl');
    expect(clinton[1]!.schema).toContain('CREATE TABLE procedures');
    expect((await records('sql-create-context', 'sql_create_context_v4.json')).length).toBe(5);
    const llama = await collect(
      'Llama-2-SQL-Dataset',
      'Llama-2-SQL-Dataset-train-00000-of-00001-1ba781ea67c6bd7f.parquet',
    );
    expect(llama[0]).toMatchObject({
      type: 'record',
      record: {
        question: 'How many heads of the departments are older than 56 ?',
        schema: 'CREATE TABLE head (age INTEGER)',
      },
    });
    expect(llama[3]).toMatchObject({ type: 'drop', drop: { reason: 'unparseable-prompt', row: 3 } });
    const wikisql = await collect(
      'sql-context-instructions',
      'sql-context-instructions-train-00000-of-00001-a2d2f513b79f5b3d.parquet',
    );
    expect(wikisql[1]).toMatchObject({
      type: 'record',
      record: {
        sql: 'SELECT COUNT("Player") FROM "table_1_10015132_11" WHERE "No." = 2',
        humanReadableSql: 'SELECT COUNT Player FROM table WHERE No. = 2',
        table: {
          name: 'table_1_10015132_11',
          columns: ['Player', 'No.', 'Nationality', 'Position', 'Years in Toronto', 'School/Club Team'],
        },
      },
    });
    expect(wikisql[3]).toMatchObject({
      type: 'drop',
      drop: { reason: 'invalid-wikisql', detail: "column index 9 is outside the table's 6 columns" },
    });
    const symbolic = await records(
      'symbolic-instruction-tuning-sql',
      'symbolic-instruction-tuning-sql-train-00000-of-00001-09775d42d91b2c08.parquet',
    );
    expect(symbolic[1]).toMatchObject({
      task: 'sql-execution',
      text: 'select max ( no. ) from w | col : player | no. row 1 : antonio lang | 21 row 2 : voshon lenard | 2\n21',
    });
  });

  it('turns WikiSQL logical forms into SQL: aggregation, operators, quoting by column type', () => {
    const table = { id: '2-1-1', header: ['Name', 'Score', 'Team "A"'], types: ['text', 'real', 'text'] };
    expect(
      wikiSqlToSql(
        {
          sel: 1,
          agg: 5,
          conds: { column_index: [0, 1, 2], operator_index: [0, 2, 0], condition: ["O'Neil", '3.5', 'x'] },
        },
        table,
      ),
    ).toBe(`SELECT AVG("Score") FROM "table_2_1_1" WHERE "Name" = 'O''Neil' AND "Score" < 3.5 AND "Team ""A""" = 'x'`);
    expect(() =>
      wikiSqlToSql({ sel: 0, agg: 0, conds: { column_index: [0], operator_index: [3], condition: ['a'] } }, table),
    ).toThrow(/operator index 3/);
  });

  it('sniffs the question and SQL columns by name or by content', () => {
    expect(sniffQuestionAndSqlColumns(['text', 'sql'], [])).toEqual({ question: 'text', sql: 'sql' });
    const rows = [
      { c1: 'SELECT a FROM b', c2: 'what is a', c3: 'x' },
      { c1: 'select 1', c2: 'how many rows are there', c3: 'y' },
    ];
    expect(sniffQuestionAndSqlColumns(['c3', 'c1', 'c2'], rows)).toEqual({ question: 'c2', sql: 'c1' });
  });

  it('splits Llama-2 prompts into question and schema', () => {
    expect(
      parseLlamaSqlPrompt(
        '### Instruction:\nDo it.\n\n### Input:\nHow many?\n\n### Context:\nCREATE TABLE a (x VARCHAR(10), y INT); CREATE TABLE b (z INT)\n\n### Response:\n',
      ),
    ).toEqual({
      question: 'How many?',
      schema: 'CREATE TABLE a (x VARCHAR(10), y INT); CREATE TABLE b (z INT)',
    });
  });
});

describe('bad input', () => {
  it('unbalanced quotes in a source CSV: a typed error naming file and line', async () => {
    await writeFile(
      join(directory, 'unbalanced.csv'),
      'question,create_table_statement,sql_query,wiki_sql_table_id\n"ok",a,b,c\n"broken,a,b,c\n',
    );
    await expect(collect('pg-wikiSQL-sql-instructions-80k', 'unbalanced.csv', directory)).rejects.toThrow(
      SourceFormatError,
    );
    await expect(collect('pg-wikiSQL-sql-instructions-80k', 'unbalanced.csv', directory)).rejects.toThrow(
      /unbalanced\.csv.*line 3/,
    );
  });

  it('wrong columns: a typed error listing what the file has', async () => {
    await writeFile(join(directory, 'columns.csv'), 'q,schema,query\na,b,c\n');
    await expect(collect('pg-gpt4SQL-sql-instructions-1k', 'columns.csv', directory)).rejects.toThrow(
      SourceColumnsError,
    );
    await expect(
      collect('Llama-2-SQL-Dataset', 'symbolic-instruction-tuning-sql-train-00000-of-00001-09775d42d91b2c08.parquet'),
    ).rejects.toThrow(/lacks \["input","output"\]/);
  });

  it('rows with the wrong field count are dropped and counted with their line', async () => {
    await writeFile(
      join(directory, 'ragged.csv'),
      'question,create_table_statement,sql_query,wiki_sql_table_id\na,b,c\nq,s,SELECT 1,t\n',
    );
    const events = await collect('pg-wikiSQL-sql-instructions-80k', 'ragged.csv', directory);
    expect(events[0]).toEqual({
      type: 'drop',
      drop: {
        reason: 'csv-column-count',
        file: join(directory, 'ragged.csv'),
        line: 2,
        detail: '3 fields, the header has 4',
      },
    });
    expect(events[1]?.type).toBe('record');
  });

  it('truncated JSONL: bad lines dropped with line numbers, the rest kept', async () => {
    const lines = (await readFile(join(samples, 'Text-to-sql-v1.jsonl'), 'utf8')).split('\n');
    await writeFile(join(directory, 'truncated.jsonl'), `${lines[0]}\n{"instruction": 3}\n${lines[1]!.slice(0, 80)}`);
    const events = await collect('Text-to-sql-v1', 'truncated.jsonl', directory);
    expect(
      events.map((event) => (event.type === 'drop' ? `${event.drop.reason}@${event.drop.line}` : 'record')),
    ).toEqual(['record', 'invalid-row@2', 'invalid-json@3']);
    expect(events[2]?.type === 'drop' && events[2].drop.detail).toMatch(/looks truncated/);
  });

  it('non-UTF-8 bytes: a typed error with line and byte offset', async () => {
    await writeFile(
      join(directory, 'latin1.jsonl'),
      Buffer.concat([Buffer.from('{"a": 1}\n{"b": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]),
    );
    await expect(collect('Text-to-sql-v1', 'latin1.jsonl', directory)).rejects.toThrow(SourceEncodingError);
    await expect(collect('Text-to-sql-v1', 'latin1.jsonl', directory)).rejects.toThrow(
      /invalid UTF-8 at byte 19 \(line 2\)/,
    );
    await writeFile(join(directory, 'latin1.json'), Buffer.from([0x5b, 0x22, 0xe9, 0x22, 0x5d]));
    await expect(collect('sql-create-context', 'latin1.json', directory)).rejects.toThrow(SourceFormatError);
  });

  it('corrupt or truncated parquet: a typed error', async () => {
    const bytes = await readFile(join(samples, 'Llama-2-SQL-Dataset-train-00000-of-00001-1ba781ea67c6bd7f.parquet'));
    await writeFile(join(directory, 'truncated.parquet'), bytes.subarray(0, bytes.length - 30));
    await expect(collect('Llama-2-SQL-Dataset', 'truncated.parquet', directory)).rejects.toThrow(SourceFormatError);
    const corrupt = Buffer.from(bytes);
    corrupt.fill(0x7f, 4, 200);
    await writeFile(join(directory, 'corrupt.parquet'), corrupt);
    await expect(collect('Llama-2-SQL-Dataset', 'corrupt.parquet', directory)).rejects.toThrow(
      /not a readable parquet file/,
    );
  });

  it('empty files: a typed error for every format', async () => {
    for (const [name, file] of [
      ['pg-wikiSQL-sql-instructions-80k', 'empty.csv'],
      ['Text-to-sql-v1', 'empty.jsonl'],
      ['sql-create-context', 'empty.json'],
      ['Llama-2-SQL-Dataset', 'empty.parquet'],
    ] as const) {
      await writeFile(join(directory, file), '');
      await expect(collect(name, file, directory)).rejects.toThrow(/is empty/);
    }
  });

  it('reads lines with CRLF and a last line without newline', async () => {
    await writeFile(join(directory, 'lines.txt'), 'a\r\nb\nc');
    const lines = [];
    for await (const line of readLines({ path: join(directory, 'lines.txt'), highWaterMark: 2 })) lines.push(line);
    expect(lines).toEqual([
      { line: 1, text: 'a', terminated: true },
      { line: 2, text: 'b', terminated: true },
      { line: 3, text: 'c', terminated: false },
    ]);
  });
});
