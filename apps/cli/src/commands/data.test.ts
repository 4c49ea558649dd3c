import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@aquila/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assetFolder } from '../asset-folder.js';
import { runCommand } from '../test-support/capture-output.js';
import { registerDataCommand } from './data.js';

const generated = fixturePath('flagai', 'generated');
// The sample sources the demo ships, one small file per dataset.
const samplesDirectory = (): string => assetFolder({ name: 'demo-samples', probe: 'sql_create_context_v4.json' });
let directory: string;
let server: Server;
let endpoint: string;
const served = Buffer.from(
  '[{"question": "How many?", "context": "CREATE TABLE t (a INT)", "answer": "SELECT COUNT(*) FROM t"}]',
);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-data-'));
  server = createServer((request, response) => {
    const ok = request.url === '/datasets/b-mc2/sql-create-context/resolve/main/sql_create_context_v4.json';
    response.writeHead(ok ? 200 : 404, ok ? { 'content-length': served.length } : {});
    response.end(ok ? served : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
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
