import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetRowsDirectory, fixturePath, type StandInHub, serveStandInHub } from '@aquila/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assetFolder } from '../asset-folder.js';
import { runCommand } from '../test-support/capture-output.js';
import { runBuiltCli } from '../test-support/run-built-cli.js';
import { registerDataCommand } from './data.js';

const generated = fixturePath('flagai', 'generated');
// The sample sources the demo ships, one small file per dataset.
const samplesDirectory = (): string => assetFolder({ name: 'demo-samples', probe: 'sql_create_context_v4.json' });
let directory: string;
let hub: StandInHub;
let endpoint: string;
const served = Buffer.from(
  '[{"question": "How many?", "context": "CREATE TABLE t (a INT)", "answer": "SELECT COUNT(*) FROM t"}]',
);

// A stand-in dataset hub on loopback: sql-create-context's file, and Llama-2-SQL-Dataset's parquet under the
// name the hub gives it now (the adapter finds it by pattern in the listing).
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-data-'));
  hub = await serveStandInHub({
    datasets: {
      'b-mc2/sql-create-context': {
        main: { commit: 'a'.repeat(40), files: { 'sql_create_context_v4.json': served, 'README.md': '# card\n' } },
      },
      'ChrisHayduk/Llama-2-SQL-Dataset': {
        main: {
          commit: 'b'.repeat(40),
          files: {
            'data/train-00000-of-00001-922416e34c5bc71c.parquet': await readFile(
              join(samplesDirectory(), 'Llama-2-SQL-Dataset-train-00000-of-00001-1ba781ea67c6bd7f.parquet'),
            ),
          },
        },
      },
    },
  });
  endpoint = hub.endpoint;
});
afterAll(async () => {
  await hub.close();
  await rm(directory, { recursive: true, force: true });
});

function run(...argv: string[]): Promise<{ out: string; err: string }> {
  return runCommand(registerDataCommand, argv);
}

it('aquila data pack reproduces FlagAI aquila_demo4 byte for byte, and inspect decodes it', async () => {
  const prefix = join(directory, 'aquila_demo4');
  const { out } = await run(
    'data',
    'pack',
    '--input',
    join(generated, 'aquila_demo4.jsonl'),
    '--output-prefix',
    prefix,
    '--bos',
    '--eod',
  );
  expect(out).toMatch(/4 documents, \d+ tokens, int32\n$/);
  expect(
    (await readFile(`${prefix}_text_document.bin`)).equals(
      await readFile(join(generated, 'aquila_demo4_text_document.bin')),
    ),
  ).toBe(true);
  expect(
    (await readFile(`${prefix}_text_document.idx`)).equals(
      await readFile(join(generated, 'aquila_demo4_text_document.idx')),
    ),
  ).toBe(true);
  const inspected = await run('data', 'inspect', `${prefix}_text_document`, '--document', '1');
  expect(inspected.out).toMatch(/int32, 4 documents, 4 sequences, \d+ tokens\ndocument 1: \d+ tokens \[100006,/);
  expect(inspected.out).toContain('【环球网综合报道】菲律宾总统杜特尔特');
});

it('aquila data build writes the outputs and prints the report table', async () => {
  const config = join(directory, 'build.yaml');
  await writeFile(
    config,
    `sources:\n  - { type: sql-create-context, path: ${join(samplesDirectory(), 'sql_create_context_v4.json')} }\n  - { type: Text-to-sql-v1, path: ${join(samplesDirectory(), 'Text-to-sql-v1.jsonl')} }\n`,
  );
  const { out } = await run('data', 'build', '--config', config, '--out', join(directory, 'built'));
  expect(
    out
      .split('\n')
      .slice(0, 5)
      .map((line) => line.replace(/\s+/g, ' ')),
  ).toEqual([
    'source licence read kept dropped reasons',
    expect.stringMatching(/^-/),
    'sql-create-context cc-by-4.0 5 3 2 duplicate-within-source 1, invalid-sql 1',
    'Text-to-sql-v1 apache-2.0 3 2 1 duplicate-across-sources 1',
    'total 8 5 3 2 duplicates',
  ]);
  expect((await readFile(join(directory, 'built', 'sft.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(5);
});

it('aquila data fetch downloads from the hub URL layout; unknown sources are refused', async () => {
  const { out } = await run(
    'data',
    'fetch',
    '--out',
    join(directory, 'raw'),
    '--source',
    'sql-create-context',
    '--endpoint',
    endpoint,
  );
  expect(out).toMatch(
    new RegExp(
      `^downloaded .*sql-create-context/sql_create_context_v4\\.json ${served.length} bytes sha256 [0-9a-f]{64}\\n$`,
    ),
  );
  expect(
    (await readFile(join(directory, 'raw', 'sql-create-context', 'sql_create_context_v4.json'))).equals(served),
  ).toBe(true);
  await expect(run('data', 'fetch', '--out', directory, '--source', 'spider')).rejects.toThrow(/unknown source spider/);
});

it('the built aquila data fetch resolves renamed files, records commits and checksums, and downloads nothing twice', async () => {
  const out = join(directory, 'fetched');
  const args = ['data', 'fetch', '--out', out, '--source', 'Llama-2-SQL-Dataset', 'sql-create-context'];
  const first = await runBuiltCli({ args: [...args, '--endpoint', endpoint] });
  expect(first.status, first.stderr).toBe(0);
  expect(
    first.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ').slice(0, 2).join(' ')),
  ).toEqual([
    `downloaded ${join(out, 'sql-create-context', 'sql_create_context_v4.json')}`,
    `downloaded ${join(out, 'Llama-2-SQL-Dataset', 'train-00000-of-00001-922416e34c5bc71c.parquet')}`,
  ]);
  expect(first.stderr).toContain(
    `Llama-2-SQL-Dataset: ChrisHayduk/Llama-2-SQL-Dataset@main (commit ${'b'.repeat(40)})`,
  );
  const manifest = JSON.parse(await readFile(join(out, 'fetch-manifest.json'), 'utf8'));
  expect(manifest.sources['sql-create-context']).toMatchObject({ commit: 'a'.repeat(40), branch: 'main' });
  hub.requests.length = 0;
  const second = await runBuiltCli({ args: [...args, '--endpoint', endpoint] });
  expect(
    second.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[0]),
  ).toEqual(['present', 'present']);
  expect(hub.requests.filter((request) => request.includes('/resolve/'))).toEqual([]);
});

it('the built aquila data build stops on a source it cannot read, or builds the others with --keep-going', async () => {
  const folder = join(directory, 'keep-going');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'train.csv'), 'q,schema,query\nhow many?,CREATE TABLE t (a INT),SELECT 1\n');
  const config = join(folder, 'build.yaml');
  await writeFile(
    config,
    `sources:\n  - { type: sql-create-context, path: ${datasetRowsDirectory}sql-create-context/sql_create_context_v4.json }\n  - { type: pg-wikiSQL-sql-instructions-80k, path: train.csv }\nfilters: { validate: false }\n`,
  );
  const out = join(folder, 'out');
  const stopped = await runBuiltCli({ args: ['data', 'build', '--config', config, '--out', out] });
  expect(stopped.status).toBe(1);
  expect(stopped.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(
      /^aquila data build: .*train\.csv: the columns are \["q","schema","query"\], but this source reads columns question, create_table_statement, sql_query, wiki_sql_table_id\..* \[AQUILA_DATA_SOURCE_COLUMNS\]$/,
    ),
  ]);
  expect(stopped.stdout).toMatch(/^pg-wikiSQL-sql-instructions-80k\s+bsd-3-clause\s+-\s+-\s+-\s+failed: /m);
  expect(stopped.stdout).toContain(
    'nothing was written: 1 of 2 sources cannot be read (pg-wikiSQL-sql-instructions-80k); fix them, or pass --keep-going',
  );
  await expect(readdir(out)).rejects.toThrow();

  const kept = await runBuiltCli({ args: ['data', 'build', '--config', config, '--out', out, '--keep-going'] });
  expect(kept.status, kept.stderr).toBe(0);
  expect(kept.stdout).toMatch(/^sql-create-context\s+cc-by-4\.0\s+2\s+2\s+0/m);
  expect(kept.stdout).toMatch(/^pg-wikiSQL-sql-instructions-80k\s+bsd-3-clause\s+-\s+-\s+-\s+failed: /m);
  expect(kept.stdout).toContain('not built (--keep-going): pg-wikiSQL-sql-instructions-80k');
  expect((await readFile(join(out, 'records.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2);
});
