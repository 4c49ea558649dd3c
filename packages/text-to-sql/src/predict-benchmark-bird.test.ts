import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanguageModel } from '@aquila/runtime';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { extractSql, parseBirdPredictions } from '@aquila/sql-metrics';
import { birdMiniDevDirectory } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunSettingsChangedError, TextToSqlOptionsError } from './errors.js';
import { createOpenAiModel } from './openai-model.js';
import { type PredictBenchmarkOptions, predictBenchmark, type RawPrediction } from './predict-benchmark.js';
import { readBenchmark } from './read-benchmark.js';
import { type OpenAiStandIn, standInAnswer, startOpenAiStandIn } from './test-support/openai-stand-in.js';

const questions = `${birdMiniDevDirectory}mini_dev_sqlite.json`;
const tables = `${birdMiniDevDirectory}dev_tables.json`;
const databases = `${birdMiniDevDirectory}databases-synthetic`;
// Questions on seven of the eleven databases; 484 and 487 are the same question (question_id 137) twice.
const ids = [0, 30, 45, 100, 210, 333, 468, 484, 487, 499];

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-predict-bird-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

const lines = async (path: string): Promise<string[]> => (await readFile(path, 'utf8')).split('\n').slice(0, -1);
const separator = '\t----- bird -----\t';

/**
 * The prediction JSON as BIRD's loaders read it (the fixture README's rules, mini_dev `package_sqls`): an object
 * taken in the file's key order, by position; each value a string split on the separator into SQL and db_id.
 */
async function officialLoad(path: string): Promise<{ keys: string[]; sql: string; dbId: string }[]> {
  const text = await readFile(path, 'utf8');
  const value = JSON.parse(text) as Record<string, unknown>;
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  // In the file's own order (JavaScript objects list integer keys in ascending order whatever the file says).
  const keys = [...text.matchAll(/^ {4}"([^"]*)": /gm)].map((match) => match[1] as string);
  expect(keys.length).toBe(Object.keys(value).length);
  return keys.map((key) => {
    const entry = value[key];
    expect(typeof entry).toBe('string');
    const parts = (entry as string).split(separator);
    expect(parts.length).toBe(2);
    return { keys, sql: parts[0] as string, dbId: parts[1] as string };
  });
}

describe('predictBenchmark on BIRD', () => {
  let server: OpenAiStandIn;
  beforeAll(async () => {
    server = await startOpenAiStandIn({ chunkSize: 7, latencyMs: 5 });
  });
  afterAll(() => server.close());

  const base = (output: string): PredictBenchmarkOptions => ({
    benchmark: 'bird',
    questions,
    tables,
    databases,
    model: createOpenAiModel({ endpoint: server.url, backoffMs: 1 }),
    modelDescription: { kind: 'endpoint', endpoint: server.url, modelName: 'stand-in' },
    output,
    ids,
    concurrency: 3,
  });

  it("writes the official prediction JSON with mini_dev's prompts, and gold lines equal to the official gold file", async () => {
    const output = join(directory, 'endpoint');
    const summary = await predictBenchmark(base(output));
    expect(summary).toMatchObject({ total: ids.length, generated: ids.length, extracted: ids.length, failed: 0 });
    expect(summary.files.predictions).toBe(join(output, 'predict.json'));
    const { questions: all } = await readBenchmark({ questions, tables, benchmark: 'bird' });
    const loaded = await officialLoad(join(output, 'predict.json'));
    expect(loaded[0]?.keys).toEqual(ids.map((_, index) => String(index)));
    const raw = new Map(
      (await lines(join(output, 'raw_pred.jsonl'))).map((line) => {
        const record = JSON.parse(line) as RawPrediction;
        return [record.id, record] as const;
      }),
    );
    ids.forEach((id, index) => {
      const question = all[id]!;
      const record = raw.get(id)!;
      // The prompt is mini_dev's: the database's CREATE statements first, the evidence after the question.
      expect(record.prompt.startsWith('CREATE TABLE')).toBe(true);
      expect(record.prompt).toContain(`-- ${question.question}\n`);
      if (question.evidence) expect(record.prompt).toContain(`-- External Knowledge: ${question.evidence}\n`);
      expect(loaded[index]).toMatchObject({
        dbId: question.databaseId,
        sql: extractSql({ text: standInAnswer(record.prompt) })?.sql,
      });
    });
    expect(parseBirdPredictions(await readFile(join(output, 'predict.json'), 'utf8'))).toEqual(
      loaded.map(({ sql, dbId }) => ({ sql, dbId, missing: false })),
    );
    const gold = await lines(`${birdMiniDevDirectory}mini_dev_sqlite_gold.sql`);
    expect(await lines(join(output, 'gold.txt'))).toEqual(ids.map((id) => gold[id]));
    // The run's questions, aligned with gold.txt: the official questions' objects, field for field.
    const official = await lines(`${birdMiniDevDirectory}mini_dev_sqlite.jsonl`);
    expect((await lines(join(output, 'questions.jsonl'))).map((line) => JSON.parse(line))).toEqual(
      ids.map((id) => JSON.parse(official[id]!)),
    );
    expect(summary.files.questions).toBe(join(output, 'questions.jsonl'));
    expect(JSON.parse(await readFile(join(output, 'run.json'), 'utf8'))).toMatchObject({
      benchmark: 'bird',
      template: 'bird',
      inputs: { databases: expect.stringMatching(/databases-synthetic$/) },
      counts: { total: ids.length },
    });
  });

  it('resumes a stopped run, refuses other prompts (example rows) and starts over with restart', async () => {
    const output = join(directory, 'resume');
    const controller = new AbortController();
    await expect(
      predictBenchmark({
        ...base(output),
        concurrency: 1,
        signal: controller.signal,
        onProgress: ({ done }) => done >= 4 && controller.abort(new Error('stopped')),
      }),
    ).rejects.toThrow('stopped');
    const requests = server.requests.length;
    const resumed = await predictBenchmark(base(output));
    expect(resumed.reused).toBeGreaterThanOrEqual(4);
    expect(resumed.reused + resumed.generated).toBe(ids.length);
    expect(server.requests.length - requests).toBe(resumed.generated);
    expect((await officialLoad(join(output, 'predict.json'))).length).toBe(ids.length);
    await expect(predictBenchmark({ ...base(output), sampleRows: 2 })).rejects.toThrow(RunSettingsChangedError);
    const withRows = await predictBenchmark({ ...base(output), sampleRows: 2, restart: true });
    expect(withRows).toMatchObject({ reused: 0, generated: ids.length });
    expect(server.requests.at(-1)?.prompt).toMatch(/\/\* \n 2 example rows: \n SELECT \* FROM /);
  });

  it('needs the database folder', async () => {
    const { databases: _, ...options } = base(join(directory, 'no-db'));
    await expect(predictBenchmark(options)).rejects.toThrow(TextToSqlOptionsError);
    await expect(predictBenchmark(options)).rejects.toThrow(/--benchmark bird needs --db/);
  });
});

describe('predictBenchmark on BIRD with the local runtime', () => {
  let scripted: ScriptedModel;
  let model: LanguageModel;
  beforeAll(async () => {
    scripted = await writeScriptedModel({ scripts: [{ output: 'SELECT count(*) FROM customers' }] });
    model = await LanguageModel.load({ path: scripted.path, threads: 1 });
  });
  afterAll(async () => {
    await model?.release();
    await scripted?.remove();
  });

  it('answers with the local model into the official prediction JSON (questions as JSON Lines)', async () => {
    const output = join(directory, 'local');
    const summary = await predictBenchmark({
      benchmark: 'bird',
      questions: `${birdMiniDevDirectory}mini_dev_sqlite.jsonl`,
      tables,
      databases,
      model,
      modelDescription: { kind: 'local', path: scripted.path },
      output,
      limit: 4,
      concurrency: 2,
    });
    expect(summary).toMatchObject({ total: 4, extracted: 4, failed: 0 });
    expect(await officialLoad(join(output, 'predict.json'))).toEqual(
      Array.from({ length: 4 }, () => ({
        keys: ['0', '1', '2', '3'],
        sql: 'SELECT count(*) FROM customers',
        dbId: 'debit_card_specializing',
      })),
    );
  });
});
