import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanguageModel } from '@aquila/runtime';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { spiderDirectory } from '@aquila/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunSettingsChangedError, TextToSqlOptionsError } from './errors.js';
import { sqlGenerationPresets } from './generation-settings.js';
import type { VoteLine } from './internal/predict-by-vote.js';
import { createOpenAiModel } from './openai-model.js';
import { type PredictBenchmarkOptions, predictBenchmark, type RawPrediction } from './predict-benchmark.js';
import { type OpenAiStandIn, standInAnswer, startOpenAiStandIn } from './test-support/openai-stand-in.js';
import { repairRequestEnd, repairScripts } from './test-support/repair-scripts.js';

const questions = `${spiderDirectory}dev.json`;
const tables = `${spiderDirectory}tables.json`;
const databases = `${spiderDirectory}database`;
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-predict-vote-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

const jsonLines = async <T>(path: string): Promise<T[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as T);
const fenced = (sql: string): string => `\`\`\`sql\n${sql}\n\`\`\``;

describe('predictBenchmark with a vote by execution, over an OpenAI-compatible endpoint', () => {
  let server: OpenAiStandIn | undefined;
  afterEach(() => server?.close());

  // Sample 1 of every question fails; the others count the rows of the prompt's first table.
  const answer = ({ prompt, seed }: { prompt: string; seed: number }): string =>
    seed % 5 === 1 ? fenced('SELECT * FROM nowhere') : standInAnswer(prompt);
  const base = (output: string, url: string): PredictBenchmarkOptions => ({
    benchmark: 'spider',
    questions,
    tables,
    databases,
    model: createOpenAiModel({ endpoint: url, backoffMs: 1 }),
    modelDescription: { kind: 'endpoint', endpoint: url, modelName: 'stand-in' },
    output,
    limit: 6,
    concurrency: 2,
    samples: 5,
    vote: 'exec',
    voteWorkers: 1,
  });

  it('records every vote in votes.jsonl, answers with the chosen candidates, and resumes like the predictions', async () => {
    server = await startOpenAiStandIn({ answer });
    const output = join(directory, 'endpoint-vote');
    const summary = await predictBenchmark(base(output, server.url));
    expect(summary).toMatchObject({ total: 6, generated: 6, extracted: 6, repaired: 0 });
    expect(summary.files.votes).toBe(join(output, 'votes.jsonl'));
    // One request with n per question.
    expect(server.requests).toHaveLength(6);
    expect(server.requests.every(({ body }) => body.n === 5 && body.temperature === 0.8)).toBe(true);
    const votes = await jsonLines<VoteLine>(join(output, 'votes.jsonl'));
    const predictions = await jsonLines<RawPrediction>(join(output, 'raw_pred.jsonl'));
    expect(votes.map(({ i }) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const [index, vote] of votes.entries()) {
      expect(vote).toMatchObject({
        db: 'concert_singer',
        equality: 'spider',
        groups: [[0, 2, 3, 4]],
        sizes: [4],
        winner: 0,
        chosen: 0,
        answer: { from: 'vote' },
        repairs: [],
        settings: predictions[index]?.settings,
      });
      expect(vote.candidates.map(({ seed }) => seed)).toEqual([0, 1, 2, 3, 4]);
      expect(vote.errors.map((error) => error !== null)).toEqual([false, true, false, false, false]);
      expect(vote.errors[1]).toMatch(/no such table: nowhere/);
      // The same SQL on the same database runs once: the later candidates come from the cache.
      expect(vote.candidates.filter(({ cached }) => cached).length).toBeGreaterThanOrEqual(3);
      expect(vote.timings.generation_ms).toBeGreaterThanOrEqual(0);
      expect(predictions[index]?.sql).toBe(vote.candidates[0]?.sql);
    }
    expect((await readFile(join(output, 'predict.txt'), 'utf8')).split('\n')[0]).toBe('SELECT count(*) FROM stadium');
    const record = JSON.parse(await readFile(join(output, 'run.json'), 'utf8'));
    expect(record.vote).toEqual({ by: 'exec', samples: 5, equality: 'spider', repair: null });
    expect(record.generation).toMatchObject({ temperature: 0.8, topP: 0.95 });

    // A killed run's last question (its vote written, its prediction not) is the only one asked again.
    const rawText = await readFile(join(output, 'raw_pred.jsonl'), 'utf8');
    await writeFile(join(output, 'raw_pred.jsonl'), rawText.split('\n').slice(0, 5).join('\n').concat('\n'));
    const resumed = await predictBenchmark(base(output, server.url));
    expect(resumed).toMatchObject({ reused: 5, generated: 1 });
    expect(server.requests).toHaveLength(7);
    expect(await jsonLines<VoteLine>(join(output, 'votes.jsonl'))).toHaveLength(6);

    await expect(predictBenchmark({ ...base(output, server.url), samples: 3 })).rejects.toThrow(
      RunSettingsChangedError,
    );
    await expect(predictBenchmark({ ...base(output, server.url), samples: 3 })).rejects.toThrow(
      /vote 5 samples by exec \(spider\) → 3 samples by exec \(spider\)/,
    );
    await expect(predictBenchmark({ ...base(output, server.url), repair: { rounds: 1 } })).rejects.toThrow(/repair 1/);
  });

  it('falls back to n requests on a server that refuses n, and repairs the questions whose candidates all fail', async () => {
    server = await startOpenAiStandIn({
      n: 'refuse',
      answer: ({ prompt }) =>
        prompt.trimEnd().endsWith(repairRequestEnd) ? standInAnswer(prompt) : fenced('SELECT * FROM nowhere'),
    });
    const output = join(directory, 'endpoint-repair');
    const summary = await predictBenchmark({
      ...base(output, server.url),
      samples: 2,
      limit: 3,
      repair: { rounds: 1 },
    });
    expect(summary).toMatchObject({ total: 3, repaired: 3 });
    const votes = await jsonLines<VoteLine>(join(output, 'votes.jsonl'));
    for (const vote of votes) {
      expect(vote).toMatchObject({ groups: [], winner: null, chosen: 0, answer: { from: 'repair' } });
      expect(vote.repairs).toMatchObject([{ round: 1, failedSql: 'SELECT * FROM nowhere', error: null, rows: 1 }]);
      expect(vote.answer.sql).toMatch(/^SELECT count\(\*\) FROM \w+$/);
    }
    // The first questions in flight (concurrency 2) asked for n and were refused; later requests ask for one sample.
    expect(server.requests.filter(({ body }) => body.n !== undefined).length).toBeLessThanOrEqual(2);
    expect(server.requests.slice(-3).every(({ body }) => body.n === undefined)).toBe(true);
    expect(JSON.parse(await readFile(join(output, 'run.json'), 'utf8'))).toMatchObject({
      vote: { samples: 2, repair: { rounds: 1, timeBudgetMs: null } },
      counts: { repaired: 3 },
    });
  });

  it('refuses a vote without databases and samples without a vote', async () => {
    server = await startOpenAiStandIn();
    const output = join(directory, 'refused');
    const { databases: _, ...withoutDatabases } = base(output, server.url);
    await expect(predictBenchmark(withoutDatabases)).rejects.toThrow(/give databases/);
    const { vote: __, ...withoutVote } = base(output, server.url);
    await expect(predictBenchmark(withoutVote)).rejects.toThrow(TextToSqlOptionsError);
    await expect(
      predictBenchmark({ ...base(output, server.url), generation: sqlGenerationPresets.greedy }),
    ).rejects.toThrow(/temperature/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('predictBenchmark with a vote on the local runtime', () => {
  let scripted: ScriptedModel;
  let model: LanguageModel;
  beforeAll(async () => {
    scripted = await writeScriptedModel({
      scripts: repairScripts,
    });
    model = await LanguageModel.load({ path: scripted.path, threads: 1, maxBatchSize: 8 });
  });
  afterAll(async () => {
    await model?.release();
    await scripted?.remove();
  });

  it('samples with the runtime, votes, repairs and records every vote', async () => {
    const output = join(directory, 'local-vote');
    const summary = await predictBenchmark({
      benchmark: 'spider',
      questions,
      tables,
      databases,
      model,
      modelDescription: { kind: 'local', path: scripted.path },
      output,
      limit: 2,
      samples: 3,
      vote: 'exec',
      voteWorkers: 1,
      generation: { ...sqlGenerationPresets.sampled, temperature: 0.05 },
      repair: { rounds: 1, timeBudgetMs: 60_000 },
    });
    expect(summary).toMatchObject({ total: 2, repaired: 2 });
    const votes = await jsonLines<VoteLine>(join(output, 'votes.jsonl'));
    expect(votes).toHaveLength(2);
    for (const vote of votes) {
      expect(vote.candidates.map(({ sql, seed }) => [sql, seed])).toEqual([
        ['SELECT * FROM nowhere', 0],
        ['SELECT * FROM nowhere', 1],
        ['SELECT * FROM nowhere', 2],
      ]);
      expect(vote.repairs).toMatchObject([{ sql: 'select count(*) from singer', error: null }]);
    }
    expect((await readFile(join(output, 'predict.txt'), 'utf8')).split('\n').slice(0, -1)).toEqual(
      Array(2).fill('select count(*) from singer'),
    );
  });
});
