import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { datasetRowsDirectory } from '@aquila/test-kit';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardFileNames, cardLayoutFiles } from '../../test/card-layouts.js';
import { createSqlValidator } from '../clean/create-sql-validator.js';
import { SourceColumnsError } from '../errors.js';
import { llamaPromptTemplates } from '../sources/adapters/llama-2-sql-dataset.js';
import { sourceAdapters } from '../sources/source-adapters.js';
import { buildDataset } from './build-dataset.js';
import { type BuildReport, formatBuildReportTable } from './build-report.js';

const validator = createSqlValidator();
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-real-layouts-'));
});
afterAll(async () => {
  await validator.close();
  await rm(directory, { recursive: true, force: true });
});

/** Writes each source's files under `<folder>/<source>/<hub path>` and a build.yaml naming all of them. */
async function writeSources(folder: string, files: Record<string, Record<string, Buffer>>): Promise<string> {
  const lines = ['sources:'];
  for (const adapter of sourceAdapters) {
    for (const [path, content] of Object.entries(files[adapter.name] ?? {})) {
      const local = join(folder, adapter.name, path);
      await mkdir(dirname(local), { recursive: true });
      await writeFile(local, content);
      const split = path.startsWith('dev') ? ', split: dev' : '';
      lines.push(`  - { type: ${adapter.name}, path: ${join(adapter.name, path)}${split} }`);
    }
  }
  await writeFile(join(folder, 'build.yaml'), `${lines.join('\n')}\n`);
  return join(folder, 'build.yaml');
}

const counts = (report: BuildReport) =>
  Object.fromEntries(report.sources.map((source) => [source.name, [source.read, source.kept]]));

describe('the real rows', () => {
  it('build cleanly through the normal config: 4 read, 4 kept', async () => {
    const config = join(directory, 'real.yaml');
    await writeFile(
      config,
      `sources:\n  - { type: sql-create-context, path: ${datasetRowsDirectory}sql-create-context/sql_create_context_v4.json }\n  - { type: pg-gpt4SQL-sql-instructions-1k, path: ${datasetRowsDirectory}pg-gpt4SQL-sql-instructions-1k/train.csv }\n`,
    );
    const report = await buildDataset({ config, outDirectory: join(directory, 'real'), validator });
    expect(counts(report)).toEqual({ 'sql-create-context': [2, 2], 'pg-gpt4SQL-sql-instructions-1k': [2, 2] });
    expect(report.totals).toMatchObject({ read: 4, kept: 4, dropped: 0 });
    expect(report.sources.map((source) => source.layouts)).toEqual([{ 'json array': 2 }, { csv: 2 }]);
  });
});

describe('files laid out as the dataset cards describe', () => {
  it('every source reads its card layout: top-level wikisql fields, ### Instruction:/### Input: prompts, the autotrain parquet conversion', async () => {
    const folder = join(directory, 'cards');
    const config = await writeSources(folder, await cardLayoutFiles());
    const report = await buildDataset({ config, outDirectory: join(folder, 'out'), validator });
    expect(counts(report)).toEqual({
      'autotrain-data-nl-to-sql': [2, 2],
      'pg-wikiSQL-sql-instructions-80k': [2, 2],
      'pg-gpt4SQL-sql-instructions-1k': [2, 2],
      'Text-to-sql-v1': [1, 1],
      'sql-create-context': [2, 2],
      'Llama-2-SQL-Dataset': [3, 2],
      'sql-context-instructions': [1, 1],
      'symbolic-instruction-tuning-sql': [1, 1],
    });
    const llama = report.sources.find((source) => source.name === 'Llama-2-SQL-Dataset')!;
    // The chat-template row is not read, and is reported by its template's name.
    expect(llama.layouts).toEqual({ [llamaPromptTemplates.instructionInput]: 2, 'llama-2-chat ([INST])': 1 });
    expect(llama.dropped).toEqual({ 'unparseable-prompt': 1 });
    expect(report.dropExamples.find((drop) => drop.reason === 'unparseable-prompt')?.detail).toContain(
      'llama-2-chat ([INST])',
    );
    expect(report.sources.find((source) => source.name === 'sql-context-instructions')?.layouts).toEqual({
      'wikisql-top-level': 1,
    });
    expect(formatBuildReportTable(report)).toContain('Llama-2-SQL-Dataset alpaca (### Instruction: question');
  });
});

describe('a source in a layout no adapter reads', () => {
  const unknownLayout = Buffer.from(
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'sql_table', data: ['CREATE TABLE t (a TEXT)'], type: 'STRING' },
          { name: 'sql_alpaca_format', data: ['### Instruction: a? ### Response: SELECT a FROM t'], type: 'STRING' },
        ],
      }),
    ),
  );

  async function sources(name: string): Promise<string> {
    const files = await cardLayoutFiles();
    files['sql-context-instructions'] = { [cardFileNames.sqlContext]: unknownLayout };
    return writeSources(join(directory, name), files);
  }

  it('stops the build before anything is written, naming the file, the columns found and what was expected', async () => {
    const config = await sources('refused');
    const outDirectory = join(directory, 'refused', 'out');
    let checked: BuildReport | undefined;
    const building = buildDataset({
      config,
      outDirectory,
      validator,
      onSourcesChecked: (report) => (checked = report),
    });
    await expect(building).rejects.toThrow(SourceColumnsError);
    await expect(building).rejects.toThrow(
      /sql-context-instructions\/data\/train-00000-of-00001-a2d2f513b79f5b3d\.parquet: the columns are \["sql_table","sql_alpaca_format"\], but this source reads the wikisql columns question and sql/,
    );
    await expect(readdir(outDirectory)).rejects.toThrow();
    const failed = checked?.sources.find((source) => source.name === 'sql-context-instructions');
    expect(failed?.failure).toMatchObject({
      code: 'AQUILA_DATA_SOURCE_COLUMNS',
      file: join(directory, 'refused', 'sql-context-instructions', cardFileNames.sqlContext),
      columns: ['sql_table', 'sql_alpaca_format'],
      expected: expect.stringContaining('top-level columns header, types, id'),
    });
    expect(checked?.sources.filter((source) => source.failure !== undefined)).toHaveLength(1);
  });

  it('with keepGoing the other sources are built, and the table shows the failed one', async () => {
    const config = await sources('kept-going');
    await rm(join(directory, 'kept-going', 'Text-to-sql-v1'), { recursive: true });
    const report = await buildDataset({
      config,
      outDirectory: join(directory, 'kept-going', 'out'),
      validator,
      keepGoing: true,
    });
    expect(report.sources.filter((source) => source.failure !== undefined).map((source) => source.name)).toEqual([
      'Text-to-sql-v1',
      'sql-context-instructions',
    ]);
    expect(report.sources.find((source) => source.name === 'Text-to-sql-v1')?.failure?.code).toBe(
      'AQUILA_DATA_INPUT_FILE',
    );
    expect(report.totals.kept).toBe(11);
    const rows = formatBuildReportTable(report).split('\n');
    expect(rows.find((row) => row.startsWith('sql-context-instructions'))).toMatch(
      /^sql-context-instructions\s+unknown\s+-\s+-\s+-\s+failed: .*the columns are \["sql_table","sql_alpaca_format"\]/,
    );
    expect(rows.find((row) => row.startsWith('Text-to-sql-v1'))).toMatch(
      /failed: sources\[\d\] \(Text-to-sql-v1\) .* does not exist/,
    );
    expect(await readdir(join(directory, 'kept-going', 'out'))).toContain('records.jsonl');
  });
});
