import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { birdItemLine, evaluateBird, formatBirdReports } from '@aquila/sql-metrics';
import { birdMiniDevDirectory } from '@aquila/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BenchmarkInputError } from './errors.js';
import { evaluateBirdRun } from './evaluate-bird-run.js';
import { createOpenAiModel } from './openai-model.js';
import { predictBenchmark } from './predict-benchmark.js';
import { type OpenAiStandIn, startOpenAiStandIn } from './test-support/openai-stand-in.js';

const databases = `${birdMiniDevDirectory}databases-synthetic`;
let directory: string;
let server: OpenAiStandIn;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-evaluate-bird-run-'));
  server = await startOpenAiStandIn({ chunkSize: 7, latencyMs: 5 });
});
afterAll(async () => {
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

it('scores a BIRD run folder as evaluateBird does on its files, and writes the reports beside it', async () => {
  const output = join(directory, 'run');
  await predictBenchmark({
    benchmark: 'bird',
    questions: `${birdMiniDevDirectory}mini_dev_sqlite.json`,
    tables: `${birdMiniDevDirectory}dev_tables.json`,
    databases,
    model: createOpenAiModel({ endpoint: server.url, backoffMs: 1 }),
    modelDescription: { kind: 'endpoint', endpoint: server.url, modelName: 'stand-in' },
    output,
    ids: [0, 30, 45, 100, 499],
    concurrency: 2,
  });
  const { summary, report, items } = await evaluateBirdRun({ output, databases, workers: 1 });
  const direct = await evaluateBird({
    gold: join(output, 'gold.txt'),
    pred: join(output, 'predict.json'),
    questions: join(output, 'questions.jsonl'),
    db: databases,
    workers: 1,
  });
  expect(items).toEqual(direct.items);
  expect(summary).toEqual(direct.summary);
  expect(report).toBe(formatBirdReports(direct.summary));
  expect(summary.count.total).toBe(5);
  expect(await readFile(join(output, 'report.txt'), 'utf8')).toBe(report);
  expect(await readFile(join(output, 'items.jsonl'), 'utf8')).toBe(
    items.map((item) => `${birdItemLine(item)}\n`).join(''),
  );
  expect(JSON.parse(await readFile(join(output, 'summary.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(summary)));
  expect(await readFile(join(output, 'report.html'), 'utf8')).toContain('BIRD');
});

it('names the missing file of a folder that is not a BIRD run', async () => {
  await expect(evaluateBirdRun({ output: join(directory, 'absent'), databases })).rejects.toThrow(BenchmarkInputError);
  await expect(evaluateBirdRun({ output: join(directory, 'absent'), databases })).rejects.toThrow(/has no gold\.txt/);
});
