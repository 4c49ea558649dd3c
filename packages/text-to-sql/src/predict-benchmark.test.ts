import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moduleCommand } from '@aquila/files';
import { LanguageModel } from '@aquila/runtime';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { extractSql } from '@aquila/sql-metrics';
import { flagaiDirectory, spiderDirectory } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSqlPrompt } from './build-sql-prompt.js';
import { RunSettingsChangedError, TextToSqlOptionsError } from './errors.js';
import { evaluatePredictions } from './evaluate-predictions.js';
import { sqlGenerationPresets } from './generation-settings.js';
import { createOpenAiModel } from './openai-model.js';
import { type PredictBenchmarkOptions, predictBenchmark, type RawPrediction } from './predict-benchmark.js';
import { readBenchmark } from './read-benchmark.js';
import {
  type OpenAiStandIn,
  type StandInFault,
  standInAnswer,
  startOpenAiStandIn,
} from './test-support/openai-stand-in.js';

const questions = `${spiderDirectory}dev.json`;
const tables = `${spiderDirectory}tables.json`;
const databases = `${spiderDirectory}database`;
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-predict-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

const lines = async (path: string): Promise<string[]> => (await readFile(path, 'utf8')).split('\n').slice(0, -1);
const raw = async (folder: string): Promise<RawPrediction[]> =>
  (await lines(join(folder, 'raw_pred.jsonl'))).map((line) => JSON.parse(line) as RawPrediction);

describe('predictBenchmark over an OpenAI-compatible endpoint', () => {
  let server: OpenAiStandIn;
  // Request by request: a few 429s, 500s, slow and broken-off answers, and answers without SQL for some questions.
  const faults = new Map<number, StandInFault>([
    [1, 'rate-limit'],
    [2, 'server-error'],
    [4, 'truncate'],
    [6, 'slow'],
    [9, 'rate-limit'],
    [10, 'truncate'],
  ]);
  const noSql = new Set(['What are all distinct countries where singers above age 20 are from?']);
  beforeAll(async () => {
    server = await startOpenAiStandIn({
      chunkSize: 5,
      latencyMs: 20,
      fault: ({ index, prompt }) =>
        faults.get(index) ?? ([...noSql].some((question) => prompt.includes(question)) ? 'no-sql' : undefined),
    });
  });
  afterAll(() => server.close());

  const base = (output: string): PredictBenchmarkOptions => ({
    benchmark: 'spider',
    questions,
    tables,
    model: createOpenAiModel({ endpoint: server.url, backoffMs: 1 }),
    modelDescription: { kind: 'endpoint', endpoint: server.url, modelName: 'stand-in' },
    output,
    limit: 24,
    concurrency: 4,
  });

  it('writes raw outputs, aligned predictions with empty lines, gold and the run record, through retries', async () => {
    const output = join(directory, 'endpoint');
    const progress: number[] = [];
    const summary = await predictBenchmark({ ...base(output), onProgress: ({ done }) => progress.push(done) });
    const { questions: dev, schemas } = await readBenchmark({ questions, tables });
    const selected = dev.slice(0, 24);
    const expected = selected.map((question) =>
      noSql.has(question.question)
        ? ''
        : (extractSql({
            text: standInAnswer(
              buildSqlPrompt({ question: question.question, schema: schemas.get(question.databaseId)! }),
            ),
          })?.sql ?? ''),
    );
    expect(await lines(join(output, 'predict.txt'))).toEqual(expected);
    expect(await lines(join(output, 'gold.txt'))).toEqual((await lines(`${spiderDirectory}dev_gold.sql`)).slice(0, 24));
    const empty = expected.filter((sql) => sql === '').length;
    expect(empty).toBeGreaterThan(0);
    expect(summary).toMatchObject({ total: 24, reused: 0, generated: 24, extracted: 24 - empty, empty, failed: 0 });
    const records = await raw(output);
    expect(records.map((record) => record.id).sort((a, b) => a - b)).toEqual(selected.map((question) => question.id));
    expect(records.find((record) => record.id === 0)).toMatchObject({
      db_id: 'concert_singer',
      question: selected[0]?.question,
      finish_reason: 'stop',
      extracted: true,
    });
    expect(
      records.every((record) => record.prompt_tokens > 0 && record.completion_tokens > 0 && record.elapsed_ms >= 0),
    ).toBe(true);
    // The broken-off answers were tried again as whole items.
    expect(records.filter((record) => record.attempts === 2).length).toBe(2);
    expect(server.concurrency.peak).toBeLessThanOrEqual(4);
    expect(progress.at(-1)).toBe(24);
    const record = JSON.parse(await readFile(join(output, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({
      benchmark: 'spider',
      model: { kind: 'endpoint' },
      template: 'spider',
      generation: { temperature: 0, maxNewTokens: 256 },
      counts: { total: 24, extracted: 24 - empty, empty, failed: 0 },
    });
  });

  it('continues a killed run where it stopped, and reuses every item of a finished run with the same settings', async () => {
    const output = join(directory, 'resume');
    const controller = new AbortController();
    await expect(
      predictBenchmark({
        ...base(output),
        signal: controller.signal,
        onProgress: ({ done }) => {
          if (done >= 7) controller.abort(new Error('killed'));
        },
      }),
    ).rejects.toThrow('killed');
    const before = (await raw(output)).length;
    expect(before).toBeGreaterThanOrEqual(7);
    expect(before).toBeLessThan(24);
    // A kill in the middle of a write leaves half a line.
    await appendFile(join(output, 'raw_pred.jsonl'), '{"id": 23, "db_id": "concert_si');
    const requests = server.requests.length;
    const resumed = await predictBenchmark(base(output));
    expect(resumed).toMatchObject({ total: 24, reused: before, generated: 24 - before });
    const records = await raw(output);
    expect(new Set(records.map((record) => record.id)).size).toBe(24);
    expect(records.length).toBe(24);
    expect(server.requests.length - requests).toBeGreaterThanOrEqual(24 - before);
    const again = await predictBenchmark(base(output));
    expect(again).toMatchObject({ reused: 24, generated: 0 });
    // Other settings: refused, since the two runs would mix; with restart the earlier run is discarded and nothing is reused.
    await expect(
      predictBenchmark({ ...base(output), generation: sqlGenerationPresets.flagai, limit: 3 }),
    ).rejects.toThrow(RunSettingsChangedError);
    const sampled = await predictBenchmark({
      ...base(output),
      generation: sqlGenerationPresets.flagai,
      limit: 3,
      restart: true,
    });
    expect(sampled).toMatchObject({ reused: 0, generated: 3 });
    expect(server.requests.at(-1)?.body).toMatchObject({ temperature: 0.9, top_k: 1000, top_p: 0.95, seed: 1234 });
  });

  it('continues a run whose process was killed with SIGKILL, without losing or repeating an item', async () => {
    const output = join(directory, 'killed');
    // Slow answers, so that the kill lands mid-run.
    const slow = await startOpenAiStandIn({ latencyMs: 150 });
    const { model: _, ...options } = { ...base(output), endpoint: slow.url, limit: 40, concurrency: 2 };
    const predictChild = moduleCommand({ from: import.meta.url, source: './test-support/predict-child.ts' });
    const child = spawn(process.execPath, [...predictChild.execArgv, predictChild.path, JSON.stringify(options)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (let waited = 0; (await raw(output).catch(() => [])).length < 6; waited += 1) {
      if (waited > 600 || child.exitCode !== null) throw new Error('the child run did not get going');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    await exited;
    const before = await raw(output);
    expect(before.length).toBeLessThan(40);
    const resumed = await predictBenchmark({
      ...base(output),
      model: createOpenAiModel({ endpoint: slow.url }),
      limit: 40,
      concurrency: 8,
    }).finally(() => slow.close());
    expect(resumed).toMatchObject({ total: 40, reused: before.length, generated: 40 - before.length, failed: 0 });
    const after = await raw(output);
    expect(after.map((record) => record.id).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, index) => index),
    );
    expect((await lines(join(output, 'predict.txt'))).length).toBe(40);
  });

  it('records failed items as empty predictions that a re-run retries', async () => {
    const broken = await startOpenAiStandIn({
      fault: ({ prompt }) =>
        /How many singers do we have\?|What is the total number of singers\?/.test(prompt) ? 'server-error' : undefined,
    });
    try {
      const output = join(directory, 'failed');
      const options = {
        ...base(output),
        model: createOpenAiModel({ endpoint: broken.url, backoffMs: 1, retries: 1 }),
        ids: [0, 1, 2],
        attempts: 1,
      };
      const summary = await predictBenchmark(options);
      expect(summary).toMatchObject({ total: 3, failed: 2, extracted: 1 });
      expect(await lines(join(output, 'predict.txt'))).toEqual(['', '', 'SELECT count(*) FROM stadium']);
      expect((await raw(output)).filter((record) => record.error !== undefined).length).toBe(2);
      expect((await predictBenchmark(options)).reused).toBe(1);
    } finally {
      await broken.close();
    }
  });

  it('rejects selections and inputs that do not exist', async () => {
    await expect(predictBenchmark({ ...base(join(directory, 'bad')), ids: [5000] })).rejects.toThrow(
      TextToSqlOptionsError,
    );
    await expect(predictBenchmark({ ...base(join(directory, 'bad')), questions: tables })).rejects.toThrow(
      /entry 0 needs "question"/,
    );
    const unknown = join(directory, 'unknown-db.json');
    await writeFile(unknown, JSON.stringify([{ question: 'q', db_id: 'nowhere', query: 'SELECT 1' }]));
    await expect(predictBenchmark({ ...base(join(directory, 'bad')), questions: unknown })).rejects.toThrow(
      /db_id "nowhere"/,
    );
  });
});

describe('predictBenchmark on the local runtime, scored', () => {
  let scripted: ScriptedModel;
  let model: LanguageModel;
  beforeAll(async () => {
    scripted = await writeScriptedModel({ scripts: [{ output: 'SELECT count(*) FROM singer' }] });
    model = await LanguageModel.load({ path: scripted.path, threads: 1 });
  });
  afterAll(async () => {
    await model?.release();
    await scripted?.remove();
  });

  it("answers concert_singer's dev questions end to end and scores them with sql-metrics", async () => {
    const output = join(directory, 'local');
    const summary = await predictBenchmark({
      benchmark: 'spider',
      questions,
      tables,
      model,
      modelDescription: { kind: 'local', path: scripted.path },
      output,
      limit: 12,
      concurrency: 4,
    });
    expect(summary).toMatchObject({ total: 12, extracted: 12, failed: 0 });
    expect(new Set(await lines(join(output, 'predict.txt')))).toEqual(new Set(['SELECT count(*) FROM singer']));
    const { summary: scores, etype } = await evaluatePredictions({ output, databases, tables, workers: 1 });
    expect(etype).toBe('all');
    const gold = (await lines(join(output, 'gold.txt'))).map((line) => line.split('\t')[0]);
    const same = gold.filter((sql) => sql === 'SELECT count(*) FROM singer').length;
    expect(same).toBeGreaterThan(0);
    expect(scores.count.all).toBe(12);
    expect(scores.matched.exact.all).toBe(same);
    expect(scores.matched.exec.all).toBe(same);
    expect(await readFile(join(output, 'report.html'), 'utf8')).toContain('<svg');
  });
});

describe('CSpider', () => {
  it("builds FlagAI's car_1 prompts exactly from tables.json, given the tables and columns it chose", async () => {
    const { schemas } = await readBenchmark({ questions, tables });
    const car = schemas.get('car_1')!;
    for (const line of await lines(`${flagaiDirectory}aquila-sql/data/infer_sample.txt`)) {
      const prompt = (JSON.parse(line) as { prompt: string }).prompt;
      // FlagAI's rule for choosing tables and columns is not published; its template and relations are.
      const chosen = [...prompt.matchAll(/表名为([^，]+)，包含的属性为([^;，]+)/g)].map(([, table, columns]) => ({
        name: table as string,
        columns: (columns as string).split(',').map((column) => ({ name: column.split('.')[1] as string })),
      }));
      const names = new Set(chosen.map((table) => table.name));
      const relations = car.relations.filter((relation) =>
        relation.split(' = ').every((side) => names.has(side.split('.')[0] as string)),
      );
      const question = prompt.slice(prompt.lastIndexOf('\n') + 1, -1);
      expect(buildSqlPrompt({ question, schema: { name: 'car_1', tables: chosen, relations } })).toBe(prompt);
    }
  });

  it('predicts CSpider questions from tables.json alone and scores exact match', async () => {
    // CSpider dev items from FlagAI's run: the Chinese question of each prompt whose output had SQL, with its gold line.
    const rawLines = await lines(`${flagaiDirectory}aquila-sql/evaluation_result/cspider_raw_pred.jsonl`);
    const goldLines = await lines(`${flagaiDirectory}aquila-sql/evaluation_result/cspider_gold.txt`);
    const extracted = rawLines
      .map((line) => JSON.parse(line) as { prompt: string; result: string })
      .filter((item) => extractSql({ text: item.result, plainSql: false }) !== undefined);
    const dev = extracted.slice(0, 6).map((item, index) => {
      const [query, databaseId] = (goldLines[index] as string).split('\t');
      return { question: item.prompt.slice(item.prompt.lastIndexOf('\n') + 1).trim(), db_id: databaseId, query };
    });
    const devFile = join(directory, 'cspider-dev.json');
    await writeFile(devFile, JSON.stringify(dev));
    const server = await startOpenAiStandIn();
    try {
      const output = join(directory, 'cspider');
      const cspiderTables = `${flagaiDirectory}spider/tables_cspider_dev_subset.json`;
      const summary = await predictBenchmark({
        benchmark: 'cspider',
        questions: devFile,
        tables: cspiderTables,
        model: createOpenAiModel({ endpoint: server.url }),
        modelDescription: { kind: 'endpoint', endpoint: server.url, modelName: 'stand-in' },
        output,
      });
      expect(summary).toMatchObject({ total: 6, extracted: 6 });
      expect(server.requests[0]?.prompt).toContain(dev[0]?.question);
      const { summary: scores, etype } = await evaluatePredictions({ output, tables: cspiderTables });
      expect(etype).toBe('match');
      expect(scores.count.all).toBe(6);
    } finally {
      await server.close();
    }
  });
});
