import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadLineError, BadLinePolicy, moduleCommand, OutputIsInputError, OutputPathError } from '@aquila/files';
import { openIndexedDataset } from '@aquila/formats';
import { loadAquilaTokenizer } from '@aquila/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplesDirectory } from '../../test/samples-directory.js';
import { createSqlValidator } from '../clean/create-sql-validator.js';
import { BuildConfigError, InputFileError, SourceFormatError } from '../errors.js';
import type { DatasetRecord } from '../sources/dataset-record.js';
import { loadBuildConfig } from './build-config.js';
import { buildDataset } from './build-dataset.js';
import { formatBuildReportTable } from './build-report.js';

// One validator for the file: PGlite takes seconds to start, so every build here shares it.
const validator = createSqlValidator();
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-build-'));
});
afterAll(async () => {
  await validator.close();
  await rm(directory, { recursive: true, force: true });
});

const readJsonl = async <T>(path: string) =>
  (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as T);

describe('SQL validation in PGlite (PostgreSQL sources)', () => {
  const record = (schema: string, sql: string): DatasetRecord => ({
    id: 'x',
    source: 'pg',
    split: 'train',
    task: 'text-to-sql',
    question: 'q',
    schema,
    sql,
    dialect: 'postgres',
    licence: 'mit',
  });
  it('checks names and types against the schema, with reasons for every failure', async () => {
    const schema = 'CREATE TABLE "t1" ("a" text, "no" real);';
    expect(await validator.validate(record(schema, `SELECT "a" FROM "t1" WHERE "no" > 3;`))).toMatchObject({
      ok: true,
      validated: true,
    });
    expect(await validator.validate(record(schema, 'SELECT "b" FROM "t1"'))).toEqual({
      ok: false,
      reason: 'invalid-sql',
      detail: 'column "b" does not exist',
    });
    expect(await validator.validate(record(schema, `SELECT "a" FROM "t1" WHERE "a" > 3`))).toEqual({
      ok: false,
      reason: 'invalid-sql',
      detail: 'operator does not exist: text > integer',
    });
    expect(await validator.validate(record(schema, 'SELECT 1; SELECT 2'))).toMatchObject({
      ok: false,
      reason: 'multiple-statements',
    });
    expect(await validator.validate(record('CREATE TABLE "t3" ("x" nosuchtype)', 'SELECT "x" FROM "t3"'))).toEqual({
      ok: false,
      reason: 'invalid-schema',
      detail: 'type "nosuchtype" does not exist',
    });
  });

  it('a batch gives the same verdicts as one record at a time, across clashing table names and failures', async () => {
    const a = 'CREATE TABLE "b1" ("a" text, "no" real);';
    const b = 'CREATE TABLE "b1" ("z" text);';
    const c = 'CREATE TABLE "b2" ("q" text); CREATE TABLE "b3" ("r" int, "s" text)';
    const records = [
      record(a, 'SELECT "a" FROM "b1" WHERE "no" > 1'),
      record(c, 'SELECT "q", "s" FROM "b2" JOIN "b3" ON "q" = "s"'),
      record(b, 'SELECT "z" FROM "b1"'),
      record(a, 'SELECT "z" FROM "b1"'),
      record(c, 'SELECT "r" FROM "b3" WHERE "s" = \'x;y\''),
      record('CREATE TABLE "b4" ("x" nosuchtype)', 'SELECT 1'),
      record(b, 'SELECT "z" FROM "b1"; DROP TABLE "b1"'),
      record(c, 'SELECT "q" FROM "b2" -- comment'),
      record(a, 'SELECT "a" FROM "b1" WHERE "a" > 3'),
      record('CREATE TABLE Head (Age INTEGER, Name TEXT)', 'SELECT name FROM head WHERE age > 56'),
      record('CREATE TABLE "Head" ("Age" INTEGER)', 'SELECT age FROM head'),
      record(a, 'WITH big AS (SELECT "a" FROM "b1" WHERE "no" > 9) SELECT COUNT(*) FROM big'),
      record(a, 'UPDATE "b1" SET "a" = \'x\''),
    ];
    const batched = await validator.validateBatch(records);
    const single = [];
    for (const entry of records) single.push(await validator.validate(entry));
    expect(batched).toEqual(single);
    expect(batched.map((result) => (result.ok ? 'ok' : result.reason))).toEqual([
      'ok',
      'ok',
      'ok',
      'invalid-sql',
      'ok',
      'invalid-schema',
      'multiple-statements',
      'ok',
      'invalid-sql',
      'ok',
      'invalid-sql',
      'ok',
      'ok',
    ]);
  });

  it('a later schema reusing a table name replaces it; DDL the view rewrite cannot read runs as written', async () => {
    expect(await validator.validate(record('CREATE TABLE "t1" ("b" text);', 'SELECT "b" FROM "t1"'))).toMatchObject({
      ok: true,
    });
    expect(
      await validator.validate(record('CREATE TABLE "t1" ("a" text, "no" real);', 'SELECT "b" FROM "t1"')),
    ).toMatchObject({ ok: false, reason: 'invalid-sql' });
    expect(
      await validator.validate(
        record('CREATE TABLE "t2" ("x" int[] NOT NULL, "y" serial)', 'SELECT "y", "x"[1] FROM "t2"'),
      ),
    ).toMatchObject({ ok: true });
  });
});

describe('buildDataset over the bundled samples', () => {
  it('keeps, drops and counts every record by source and reason, and writes every output', async () => {
    const outDirectory = join(directory, 'samples');
    const progress: number[] = [];
    const report = await buildDataset({
      config: join(samplesDirectory(), 'build.yaml'),
      outDirectory,
      validator,
      onProgress: (event) => progress.push(event.read),
    });
    const bySource = Object.fromEntries(
      report.sources.map((source) => [source.name, { read: source.read, kept: source.kept, dropped: source.dropped }]),
    );
    expect(bySource).toEqual({
      'sql-create-context': { read: 5, kept: 3, dropped: { 'invalid-sql': 1, 'duplicate-within-source': 1 } },
      'Llama-2-SQL-Dataset': { read: 4, kept: 1, dropped: { 'duplicate-across-sources': 2, 'unparseable-prompt': 1 } },
      'Text-to-sql-v1': { read: 3, kept: 2, dropped: { 'duplicate-across-sources': 1 } },
      'pg-wikiSQL-sql-instructions-80k': { read: 4, kept: 3, dropped: { 'invalid-sql': 1 } },
      'pg-gpt4SQL-sql-instructions-1k': { read: 1, kept: 0, dropped: { 'non-commercial-licence': 1 } },
      'autotrain-data-nl-to-sql': { read: 3, kept: 3, dropped: {} },
      'sql-context-instructions': { read: 4, kept: 3, dropped: { 'invalid-wikisql': 1 } },
      'symbolic-instruction-tuning-sql': { read: 2, kept: 2, dropped: {} },
    });
    expect(report.totals).toEqual({ read: 26, kept: 17, dropped: 9, duplicates: 4 });
    expect(report.unvalidated).toBe(3);
    expect(report.rewrittenStrings).toBe(3);
    expect(report.sftSkipped).toBe(5);
    expect(report.licences).toEqual({ 'cc-by-4.0': 3, unknown: 7, 'apache-2.0': 2, 'bsd-3-clause': 3, mit: 2 });
    expect(
      report.dropExamples.find((drop) => drop.reason === 'invalid-sql' && drop.file.endsWith('.csv')),
    ).toMatchObject({ line: 5, detail: 'column "nickname" does not exist' });
    expect(progress.at(-1)).toBe(26);

    const records = await readJsonl<DatasetRecord>(join(outDirectory, 'records.jsonl'));
    expect(records).toHaveLength(17);
    expect(records.find((record) => record.id === 'sql-create-context:train:2')?.sql).toBe(
      "SELECT position FROM table_name_12 WHERE no = '23'",
    );
    expect(await readJsonl(join(outDirectory, 'sft.jsonl'))).toHaveLength(12);
    expect(await readJsonl(join(outDirectory, 'trl.jsonl'))).toHaveLength(12);
    expect(await readJsonl(join(outDirectory, 'pretrain.jsonl'))).toHaveLength(17);
    expect(report.lengths.counts.reduce((sum, count) => sum + count, 0)).toBe(17);
    const html = await readFile(join(outDirectory, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Dropped records per reason');
    expect(JSON.parse(await readFile(join(outDirectory, 'report.json'), 'utf8'))).toMatchObject({
      totals: report.totals,
    });
    expect(formatBuildReportTable(report).split('\n')[0]).toMatch(
      /^source\s+licence\s+read\s+kept\s+dropped\s+reasons$/,
    );
  });

  it('with a tokenizer: Megatron pretraining files and the FlagScale SFT pair, token-length histogram', async () => {
    const outDirectory = join(directory, 'megatron');
    const config = {
      sources: [
        { type: 'sql-create-context', path: join(samplesDirectory(), 'sql_create_context_v4.json') },
        {
          type: 'symbolic-instruction-tuning-sql',
          path: join(
            samplesDirectory(),
            'symbolic-instruction-tuning-sql-train-00000-of-00001-09775d42d91b2c08.parquet',
          ),
        },
      ],
      outputs: { megatron: { prefix: 'sql', convention: 'flagscale' as const }, sftMegatron: { prefix: 'sft' } },
      tokenizer: 'aquila',
    };
    const report = await buildDataset({ config, outDirectory, validator });
    expect(report.outputs.megatron).toMatchObject({ dtype: 'int32', documents: 5 });
    expect(report.outputs.sftMegatron?.text).toMatchObject({ documents: 3 });
    expect(report.lengths.unit).toBe('tokens');
    const pretraining = await openIndexedDataset({ prefix: join(outDirectory, 'sql_text_document') });
    const texts = (await readJsonl<{ text: string }>(join(outDirectory, 'pretrain.jsonl'))).map((line) => line.text);
    const tokenizer = await loadAquilaTokenizer();
    for (let document = 0; document < pretraining.documentCount; document++) {
      const ids = Array.from(await pretraining.readDocument(document));
      expect(ids.at(-1)).toBe(100_007);
      expect(tokenizer.decode(ids.slice(0, -1))).toBe(texts[document]);
    }
    await pretraining.close();
    const text = await readFile(join(outDirectory, 'sft_text_document.idx'));
    expect((await readFile(join(outDirectory, 'sft_loss_mask_document.idx'))).equals(text)).toBe(true);
  });

  it('a failing source leaves no output under a final name', async () => {
    const outDirectory = join(directory, 'failing');
    await writeFile(
      join(directory, 'broken.json'),
      '[{"question": "a", "context": "CREATE TABLE t (a INT)", "answer": "SELECT a FROM t"}, {"question"',
    );
    const config = { sources: [{ type: 'sql-create-context', path: join(directory, 'broken.json') }] };
    await expect(buildDataset({ config, outDirectory, validator })).rejects.toThrow(SourceFormatError);
    expect((await readdir(outDirectory)).filter((name) => !name.includes('.partial-'))).toEqual([]);
    expect(await readdir(outDirectory)).toEqual([]);
  });

  it('rejects bad configs with the reason', async () => {
    await writeFile(join(directory, 'bad.yaml'), 'sources:\n  - { type: spider, path: x.json }\n');
    await expect(loadBuildConfig({ path: join(directory, 'bad.yaml') })).rejects.toThrow(BuildConfigError);
    await expect(loadBuildConfig({ path: join(directory, 'bad.yaml') })).rejects.toThrow(
      /sources\[0\]: type must be one of/,
    );
    await writeFile(
      join(directory, 'megatron.yaml'),
      'sources:\n  - { type: sql-create-context, path: x.json }\noutputs:\n  megatron: { prefix: p }\n',
    );
    await expect(loadBuildConfig({ path: join(directory, 'megatron.yaml') })).rejects.toThrow(/need `tokenizer`/);
  });
});

describe('buildDataset on bad input', () => {
  const jsonl = (name: string) => ({ type: 'Text-to-sql-v1', path: join(directory, name) });
  const csv = (name: string) => ({ type: 'autotrain-data-nl-to-sql', path: join(directory, name) });
  const fast = { filters: { validate: false } };

  async function sourceWithBrokenLine(): Promise<string> {
    const lines = (await readFile(join(samplesDirectory(), 'Text-to-sql-v1.jsonl'), 'utf8')).trim().split('\n');
    await writeFile(join(directory, 'broken-line.jsonl'), `${lines[0]}\n${lines[1]!.slice(0, 60)}\n${lines[2]}\n`);
    return 'broken-line.jsonl';
  }

  it('a broken JSONL line stops the build with file:line and writes nothing, unless bad lines are skipped', async () => {
    const config = { sources: [jsonl(await sourceWithBrokenLine())], ...fast };
    const outDirectory = join(directory, 'bad-line');
    const failure = buildDataset({ config, outDirectory, validator });
    await expect(failure).rejects.toThrow(BadLineError);
    await expect(failure).rejects.toThrow(`${join(directory, 'broken-line.jsonl')}:2: not valid JSON (`);
    expect(await readdir(outDirectory)).toEqual([]);
    const policy = new BadLinePolicy({ skip: true });
    const report = await buildDataset({ config, outDirectory, validator, badLines: policy });
    expect(policy.count).toBe(1);
    expect(policy.first[0]).toMatchObject({ line: 2 });
    expect(report.sources[0]).toMatchObject({ read: 3, kept: 2, dropped: { 'invalid-json': 1 } });
  });

  it('a CSV row with the wrong field count is a bad line too; well-formed records that are filtered are not', async () => {
    await writeFile(
      join(directory, 'ragged.csv'),
      'question,sql\nhow many?,SELECT count(*) FROM t\nextra,SELECT 1,surplus\nnames?,SELECT name FROM t\nhow many?,SELECT count(*) FROM t\n',
    );
    const outDirectory = join(directory, 'ragged');
    await expect(
      buildDataset({ config: { sources: [csv('ragged.csv')], ...fast }, outDirectory, validator }),
    ).rejects.toThrow(`${join(directory, 'ragged.csv')}:3: 3 fields, the header has 2`);
    expect(await readdir(outDirectory)).toEqual([]);
    const policy = new BadLinePolicy({ skip: true });
    const report = await buildDataset({
      config: { sources: [csv('ragged.csv')], ...fast },
      outDirectory,
      validator,
      badLines: policy,
    });
    expect(policy.count).toBe(1);
    expect(report.sources[0]!.dropped).toEqual({ 'csv-column-count': 1, 'duplicate-within-source': 1 });
  });

  it('a missing source, a folder as source, an output folder that is a file: typed errors before anything is written', async () => {
    const outDirectory = join(directory, 'never');
    await expect(buildDataset({ config: { sources: [jsonl('nope.jsonl')] }, outDirectory, validator })).rejects.toThrow(
      new InputFileError(
        `sources[0] (Text-to-sql-v1) ${join(directory, 'nope.jsonl')} does not exist: check the path.`,
      ),
    );
    await mkdir(join(directory, 'a-folder.jsonl'), { recursive: true });
    await expect(
      buildDataset({ config: { sources: [jsonl('a-folder.jsonl')] }, outDirectory, validator }),
    ).rejects.toThrow(InputFileError);
    await writeFile(join(directory, 'a-file'), 'mine');
    await expect(
      buildDataset({
        config: { sources: [{ type: 'Text-to-sql-v1', path: join(samplesDirectory(), 'Text-to-sql-v1.jsonl') }] },
        outDirectory: join(directory, 'a-file'),
        validator,
      }),
    ).rejects.toThrow(OutputPathError);
    expect(await readFile(join(directory, 'a-file'), 'utf8')).toBe('mine');
    await expect(readdir(outDirectory)).rejects.toThrow();
  });

  it('refuses an output that would replace a source, before reading it', async () => {
    const outDirectory = join(directory, 'in-place');
    await mkdir(outDirectory, { recursive: true });
    const source = await readFile(join(samplesDirectory(), 'Text-to-sql-v1.jsonl'));
    await writeFile(join(outDirectory, 'records.jsonl'), source);
    await expect(
      buildDataset({
        config: { sources: [{ type: 'Text-to-sql-v1', path: join(outDirectory, 'records.jsonl') }], ...fast },
        outDirectory,
        validator,
      }),
    ).rejects.toThrow(OutputIsInputError);
    expect((await readFile(join(outDirectory, 'records.jsonl'))).equals(source)).toBe(true);
    expect(await readdir(outDirectory)).toEqual(['records.jsonl']);
  });

  it('an abort leaves no output and no temporary file', async () => {
    const outDirectory = join(directory, 'aborted');
    const controller = new AbortController();
    const config = {
      sources: [{ type: 'Text-to-sql-v1', path: join(samplesDirectory(), 'Text-to-sql-v1.jsonl') }],
      outputs: { megatron: { prefix: 'sql' } },
      tokenizer: 'aquila',
      ...fast,
    };
    const building = buildDataset({
      config,
      outDirectory,
      validator,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(building).rejects.toThrow(/aborted/i);
    expect(await readdir(outDirectory)).toEqual([]);
  });

  it('a missing config or broken YAML: one line saying which file and where', async () => {
    await expect(loadBuildConfig({ path: join(directory, 'none.yaml') })).rejects.toThrow(
      new InputFileError(`the build config ${join(directory, 'none.yaml')} does not exist: check the path.`),
    );
    await writeFile(join(directory, 'broken.yaml'), 'sources: [a\nfoo: bar: baz\n');
    const loading = loadBuildConfig({ path: join(directory, 'broken.yaml') });
    await expect(loading).rejects.toThrow(BuildConfigError);
    await expect(loading).rejects.toThrow(/^[^\n]*broken\.yaml: not readable YAML \([^\n]*at line 2, column 1\)\.$/);
  });

  it.skipIf(process.platform === 'win32')(
    'a write that fails midway (a full disk) fails the build cleanly: no crash, no output, no temporary file',
    async () => {
      const source = join(directory, 'many.jsonl');
      const record = (index: number) =>
        JSON.stringify({
          instruction: `How many singers are older than ${index}?`,
          input: 'CREATE TABLE singer (name TEXT, age INTEGER)',
          response: `SELECT COUNT(*) FROM singer WHERE age > ${index}`,
        });
      await writeFile(source, `${Array.from({ length: 6000 }, (_, index) => record(index)).join('\n')}\n`);
      const outDirectory = join(directory, 'full-disk');
      const script = moduleCommand({ from: import.meta.url, source: '../../test/build-with-little-space.ts' });
      // ulimit -f 256: no file may grow past 256 KiB, so the first 1 MiB write of records.jsonl fails with EFBIG
      // while the build goes on reading (Node ignores SIGXFSZ).
      const child = spawn(
        'bash',
        [
          '-c',
          'ulimit -f 256 && exec "$0" "$@"',
          process.execPath,
          ...script.execArgv,
          script.path,
          source,
          outDirectory,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      try {
        const [code] = (await once(child, 'exit')) as [number | null];
        expect({ code, output }).toEqual({ code: 0, output: 'failed EFBIG\n' });
      } finally {
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      expect(await readdir(outDirectory)).toEqual([]);
    },
  );
});
