import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StandInHub, serveStandInHub } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardFileNames, cardLayoutFiles } from '../../test/card-layouts.js';
import { buildDataset } from '../build/build-dataset.js';
import { SourceFetchError } from '../errors.js';
import { type FetchManifest, fetchSources } from './fetch-sources.js';

const commit = (digit: string) => digit.repeat(40);
const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');
let hub: StandInHub;
let directory: string;
let files: Record<string, Record<string, Buffer>>;
let datasets: Parameters<typeof serveStandInHub>[0]['datasets'];

// The hub as issue 21 found it: Llama-2-SQL-Dataset's parquet renamed, the autotrain CSV unreadable by name and
// header but converted to parquet, goendalf666's data only in the parquet conversion.
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-fetch-'));
  files = await cardLayoutFiles();
  datasets = {
    'b-mc2/sql-create-context': {
      main: { commit: commit('a'), files: { ...files['sql-create-context'], 'README.md': '# sql-create-context\n' } },
    },
    'ChrisHayduk/Llama-2-SQL-Dataset': {
      main: { commit: commit('b'), files: { ...files['Llama-2-SQL-Dataset'], 'README.md': '---\n---\n' } },
    },
    'Aditya011/autotrain-data-nl-to-sql': {
      main: { commit: commit('c'), files: { 'raw/data.csv': 'id,label\n1,2\n3,4\n' } },
      'refs/convert/parquet': { commit: commit('d'), files: files['autotrain-data-nl-to-sql']! },
    },
    'goendalf666/sql-context-instructions': {
      main: { commit: commit('e'), files: { 'README.md': 'columns: header, types, id, rows, sql_table\n' } },
      'refs/convert/parquet': {
        commit: commit('f'),
        files: { [cardFileNames.conversion]: files['sql-context-instructions']![cardFileNames.sqlContext]! },
      },
    },
  };
  hub = await serveStandInHub({ datasets });
});
afterAll(async () => {
  await hub.close();
  await rm(directory, { recursive: true, force: true });
});

const sources = [
  'sql-create-context',
  'Llama-2-SQL-Dataset',
  'autotrain-data-nl-to-sql',
  'sql-context-instructions',
] as const;
const downloads = () => hub.requests.filter((request) => request.includes('/resolve/'));

describe('fetchSources against a stand-in hub', () => {
  it('finds renamed files in the listing, falls back to the parquet conversion, and records commits and checksums', async () => {
    const result = await fetchSources({ directory, sources, endpoint: hub.endpoint });
    const manifest = JSON.parse(await readFile(result.manifest, 'utf8')) as FetchManifest;
    expect(result.manifest).toBe(join(directory, 'fetch-manifest.json'));
    expect(manifest).toMatchObject({ version: 1, endpoint: hub.endpoint });
    const llama = manifest.sources['Llama-2-SQL-Dataset']!;
    expect(llama).toMatchObject({ revision: 'main', branch: 'main', commit: commit('b') });
    const llamaFile = files['Llama-2-SQL-Dataset']![cardFileNames.llama]!;
    expect(llama.files).toEqual([
      {
        path: cardFileNames.llama,
        localPath: join('Llama-2-SQL-Dataset', 'train-00000-of-00001-922416e34c5bc71c.parquet'),
        split: 'train',
        bytes: llamaFile.length,
        sha256: sha256(llamaFile),
      },
    ]);
    expect((await readFile(join(directory, llama.files[0]!.localPath))).equals(llamaFile)).toBe(true);

    const autotrain = manifest.sources['autotrain-data-nl-to-sql']!;
    expect(autotrain).toMatchObject({ branch: 'refs/convert/parquet', commit: commit('d') });
    expect(autotrain.fallback).toMatch(
      /^main raw\/data\.csv is unreadable \(.*data\.csv: no column reads as SQL among \["id","label"\]/,
    );
    expect(autotrain.files.map((file) => file.localPath)).toEqual([
      join('autotrain-data-nl-to-sql', 'parquet-conversion', 'default', 'train', '0000.parquet'),
    ]);
    const goendalf = manifest.sources['sql-context-instructions']!;
    expect(goendalf).toMatchObject({ branch: 'refs/convert/parquet', commit: commit('f') });
    expect(goendalf.fallback).toMatch(/has no file matching .* among 1 files/);
    expect(manifest.sources['sql-create-context']).toMatchObject({ commit: commit('a'), branch: 'main' });
    // The conversion branch goes to the hub as one path segment, as the hub's own clients send it.
    expect(hub.requests).toContain(
      'GET /api/datasets/Aditya011/autotrain-data-nl-to-sql/revision/refs%2Fconvert%2Fparquet',
    );
    expect(hub.requests).toContain(`GET /api/datasets/Aditya011/autotrain-data-nl-to-sql/tree/${commit('d')}`);

    // The fetched files build through the normal config.
    await writeFile(
      join(directory, 'build.yaml'),
      `sources:\n${Object.values(manifest.sources)
        .flatMap((source) => source.files.map((file) => `  - { type: ${source.name}, path: ${file.localPath} }`))
        .join('\n')}\nfilters: { validate: false }\n`,
    );
    const report = await buildDataset({ config: join(directory, 'build.yaml'), outDirectory: join(directory, 'out') });
    expect(report.sources.map((source) => [source.name, source.kept])).toEqual([
      ['autotrain-data-nl-to-sql', 2],
      ['sql-create-context', 2],
      ['Llama-2-SQL-Dataset', 2],
      ['sql-context-instructions', 1],
    ]);
  });

  it('does not download a file twice; a file changed on the hub is downloaded again, alone', async () => {
    hub.requests.length = 0;
    const again = await fetchSources({ directory, sources, endpoint: hub.endpoint });
    expect(again.sources.flatMap((source) => source.files.map((file) => file.status))).toEqual([
      'present',
      'present',
      'present',
      'present',
    ]);
    expect(downloads()).toEqual([]);

    const rewritten = Buffer.concat([files['sql-create-context']!['sql_create_context_v4.json']!]);
    rewritten[rewritten.lastIndexOf(']') - 2] = 0x20;
    datasets['b-mc2/sql-create-context']!.main = {
      commit: commit('9'),
      files: { 'sql_create_context_v4.json': rewritten },
    };
    hub.requests.length = 0;
    const changed = await fetchSources({ directory, sources, endpoint: hub.endpoint });
    expect(downloads()).toEqual([
      `GET /datasets/b-mc2/sql-create-context/resolve/${commit('9')}/sql_create_context_v4.json`,
    ]);
    expect(changed.sources.find((source) => source.name === 'sql-create-context')?.files[0]).toMatchObject({
      status: 'downloaded',
      sha256: sha256(rewritten),
    });
    const manifest = JSON.parse(await readFile(changed.manifest, 'utf8')) as FetchManifest;
    expect(manifest.sources['sql-create-context']?.commit).toBe(commit('9'));
  });

  it('a source the hub cannot give is named in a SourceFetchError; the others are fetched and recorded', async () => {
    const folder = join(directory, 'partial');
    const fetching = fetchSources({
      directory: folder,
      sources: ['sql-create-context', 'symbolic-instruction-tuning-sql', 'Text-to-sql-v1'],
      endpoint: hub.endpoint,
    });
    await expect(fetching).rejects.toThrow(SourceFetchError);
    await expect(fetching).rejects.toThrow(
      /^could not fetch 2 of 3 sources \(Text-to-sql-v1: resolving Clinton\/Text-to-sql-v1@main .* HTTP 404.* \| symbolic-instruction-tuning-sql: .*\); the others are in .*fetch-manifest\.json\.$/,
    );
    const manifest = JSON.parse(await readFile(join(folder, 'fetch-manifest.json'), 'utf8')) as FetchManifest;
    expect(Object.keys(manifest.sources)).toEqual(['sql-create-context']);
    await expect(fetchSources({ directory: folder, sources: ['spider'], endpoint: hub.endpoint })).rejects.toThrow(
      /^unknown source spider; known: autotrain-data-nl-to-sql, /,
    );
  });
});
