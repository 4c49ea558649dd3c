import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LanguageModel } from '@aquila/runtime';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { lenmlTokenizerFolder, spiderDatabase } from '@aquila/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AskDatabaseEvent, askDatabase, streamAskDatabase } from './ask-database.js';
import { buildSqlPrompt } from './build-sql-prompt.js';
import { TextToSqlOptionsError } from './errors.js';
import { sqlGenerationPresets } from './generation-settings.js';
import { createOpenAiModel } from './openai-model.js';
import { buildSqlRepairPrompt } from './repair-sql.js';
import { SqlDatabase } from './sql-database.js';
import { type OpenAiStandIn, startOpenAiStandIn } from './test-support/openai-stand-in.js';
import { repairRequestEnd, repairScripts } from './test-support/repair-scripts.js';

let database: SqlDatabase;
beforeAll(async () => {
  database = await SqlDatabase.open({ file: spiderDatabase('concert_singer') });
});
afterAll(() => database?.close());

const question = 'How many singers do we have?';
const fenced = (sql: string): string => `\`\`\`sql\n${sql}\n\`\`\``;

describe('askDatabase with samples, on an OpenAI-compatible endpoint', () => {
  let server: OpenAiStandIn | undefined;
  afterEach(() => server?.close());

  // Seeds 0…4: another answer, a failing one, then three that count the singers (two spelled differently).
  const answers = [
    'SELECT name FROM singer',
    'SELECT * FROM nowhere',
    'SELECT count(*) FROM singer',
    'select count(singer_id) from singer',
    'SELECT count(*) FROM singer',
  ];

  it('samples the candidates in one request, runs them, and answers with the largest group’s first member', async () => {
    server = await startOpenAiStandIn({ answer: ({ seed }) => fenced(answers[seed] as string) });
    const model = createOpenAiModel({ endpoint: server.url });
    const answer = await askDatabase({ model, database, question, samples: 5 });
    expect(answer).toMatchObject({
      sql: 'SELECT count(*) FROM singer',
      extracted: true,
      parses: true,
      text: fenced('SELECT count(*) FROM singer'),
      result: { columns: ['count(*)'], rows: [[6]] },
      finishReason: 'stop',
    });
    const vote = answer.vote!;
    expect(vote).toMatchObject({ equality: 'spider', groups: [[0], [2, 3, 4]], sizes: [1, 3], winner: 1, chosen: 2 });
    expect(vote.candidates.map(({ seed, error, rows }) => ({ seed, failed: error !== null, rows }))).toEqual([
      { seed: 0, failed: false, rows: 6 },
      { seed: 1, failed: true, rows: null },
      { seed: 2, failed: false, rows: 1 },
      { seed: 3, failed: false, rows: 1 },
      { seed: 4, failed: false, rows: 1 },
    ]);
    expect(vote.candidates[1]?.error).toMatch(/no such table: nowhere/);
    expect(vote.timings.generationMs).toBeGreaterThan(0);
    expect(vote.timings.executionMs).toBeGreaterThan(0);
    expect(answer.usage.completionTokens).toBe(
      vote.candidates.reduce((sum, candidate) => sum + candidate.usage.completionTokens, 0),
    );
    expect(answer.repairs).toBeUndefined();
    // The sampled preset by default: one request with n, T 0.8, top-p 0.95.
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body).toMatchObject({ n: 5, temperature: 0.8, top_p: 0.95, seed: 0 });
  });

  it('streams the candidates, the vote, the answer’s SQL and its rows, in that order', async () => {
    server = await startOpenAiStandIn({ answer: ({ seed }) => fenced(answers[seed] as string), n: 'refuse' });
    const model = createOpenAiModel({ endpoint: server.url });
    const events: AskDatabaseEvent[] = [];
    for await (const event of streamAskDatabase({
      model,
      database,
      question,
      samples: 3,
      voteEquality: 'exact',
      maxRows: 2,
    }))
      events.push(event);
    const kinds = [...new Set(events.map(({ type }) => type))];
    expect(kinds).toEqual(['prompt', 'candidate-delta', 'candidate', 'vote', 'sql', 'result', 'end']);
    expect(events.filter(({ type }) => type === 'candidate')).toHaveLength(3);
    const vote = events.find((event) => event.type === 'vote');
    expect(vote).toMatchObject({ vote: { equality: 'exact', groups: [[0], [2]], chosen: 0 } });
    // The vote reads every row; the answer shows maxRows of them.
    expect(vote).toMatchObject({ vote: { candidates: [{ rows: 6 }, { rows: null }, { rows: 1 }] } });
    expect(events.at(-2)).toMatchObject({ type: 'result', rows: [['Joe Sharp'], ['Timbaland']], truncated: true });
  });

  it('repairs an answer whose SQL fails: the error and the SQL go back, the repaired SQL answers', async () => {
    server = await startOpenAiStandIn({
      answer: ({ prompt }) =>
        fenced(
          prompt.trimEnd().endsWith(repairRequestEnd) ? 'SELECT count(*) FROM singer' : 'SELECT count(*) FROM singers',
        ),
    });
    const model = createOpenAiModel({ endpoint: server.url });
    const events: string[] = [];
    const stream = streamAskDatabase({ model, database, question, repair: { rounds: 2 } });
    for await (const event of stream) events.push(event.type);
    expect([...new Set(events)]).toEqual(['prompt', 'text-delta', 'sql', 'repair-delta', 'repair', 'result', 'end']);
    const answer = await askDatabase({ model, database, question, repair: { rounds: 2 } });
    expect(answer).toMatchObject({ sql: 'SELECT count(*) FROM singer', result: { rows: [[6]] } });
    expect(answer.repairs).toEqual([
      {
        round: 1,
        failedSql: 'SELECT count(*) FROM singers',
        failedError: expect.stringMatching(/no such table: singers/),
        text: fenced('SELECT count(*) FROM singer'),
        sql: 'SELECT count(*) FROM singer',
        extracted: true,
        error: null,
        rows: 1,
        finishReason: 'stop',
        usage: { promptTokens: expect.any(Number), completionTokens: expect.any(Number) },
        ms: expect.any(Number),
      },
    ]);
    const repairPrompt = server.requests.at(-1)?.prompt as string;
    expect(repairPrompt).toContain('```sql\nSELECT count(*) FROM singers\n```\nError: the query failed');
    expect(repairPrompt).toContain(question);
  });

  it('repairs when every candidate fails, up to the rounds asked, and keeps the first answer when none runs', async () => {
    server = await startOpenAiStandIn({ answer: ({ seed }) => fenced(`SELECT * FROM nowhere_${seed}`) });
    const model = createOpenAiModel({ endpoint: server.url });
    const answer = await askDatabase({ model, database, question, samples: 2, repair: { rounds: 3 } });
    expect(answer.vote).toMatchObject({ groups: [], winner: null, chosen: 0 });
    expect(
      answer.repairs?.map(({ round, failedSql, error }) => ({ round, failedSql, failed: error !== null })),
    ).toEqual([
      { round: 1, failedSql: 'SELECT * FROM nowhere_0', failed: true },
      { round: 2, failedSql: 'SELECT * FROM nowhere_0', failed: true },
      { round: 3, failedSql: 'SELECT * FROM nowhere_0', failed: true },
    ]);
    expect(answer).toMatchObject({
      sql: 'SELECT * FROM nowhere_0',
      error: { code: 'AQUILA_TEXT_TO_SQL_QUERY_EXECUTION' },
    });
    expect(answer.result).toBeUndefined();
  });

  it('stops repairing when the time budget runs out', async () => {
    server = await startOpenAiStandIn({ answer: () => fenced('SELECT * FROM nowhere'), latencyMs: 400 });
    const model = createOpenAiModel({ endpoint: server.url });
    const answer = await askDatabase({ model, database, question, repair: { rounds: 5, timeBudgetMs: 150 } });
    expect(answer.repairs).toHaveLength(1);
    expect(answer.repairs?.[0]?.error).toMatch(/time budget of 150 ms ran out/);
    expect(answer.error?.message).toMatch(/no such table: nowhere/);
  });

  it('rejects bad vote options before generating', async () => {
    server = await startOpenAiStandIn();
    const model = createOpenAiModel({ endpoint: server.url });
    const ask = (options: Partial<Parameters<typeof askDatabase>[0]>) =>
      askDatabase({ model, database, question, ...options });
    await expect(ask({ samples: 3, generation: sqlGenerationPresets.greedy })).rejects.toThrow(
      /set temperature above 0/,
    );
    await expect(ask({ samples: 3, execute: false })).rejects.toThrow(TextToSqlOptionsError);
    await expect(ask({ repair: { rounds: -1 } })).rejects.toThrow(/repair rounds must be an integer/);
    await expect(ask({ repair: { rounds: 1, timeBudgetMs: 0 } })).rejects.toThrow(/time budget/);
    await expect(ask({ samples: 2, voteEquality: 'loose' as 'exact' })).rejects.toThrow(/unknown vote equality/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('askDatabase with samples and repair on the local runtime', () => {
  let scripted: ScriptedModel;
  let model: LanguageModel;
  beforeAll(async () => {
    // Any prompt gets a SQL that fails; the repair request gets the corrected one.
    scripted = await writeScriptedModel({
      scripts: repairScripts,
    });
    model = await LanguageModel.load({ path: scripted.path, threads: 1 });
  });
  afterAll(async () => {
    await model?.release();
    await scripted?.remove();
  });

  it('votes over the runtime’s samples and repairs the answer when all of them fail', async () => {
    const answer = await askDatabase({
      model,
      database,
      question,
      samples: 3,
      // The scripted answer is so likely that a low temperature samples it every time.
      generation: { ...sqlGenerationPresets.sampled, temperature: 0.05 },
      repair: { rounds: 1 },
    });
    expect(answer.vote?.candidates.map(({ sql, seed }) => ({ sql, seed }))).toEqual([
      { sql: 'SELECT * FROM nowhere', seed: 0 },
      { sql: 'SELECT * FROM nowhere', seed: 1 },
      { sql: 'SELECT * FROM nowhere', seed: 2 },
    ]);
    expect(answer.vote).toMatchObject({ groups: [], chosen: 0 });
    expect(answer.repairs).toMatchObject([{ round: 1, sql: 'select count(*) from singer', error: null, rows: 1 }]);
    expect(answer).toMatchObject({ sql: 'select count(*) from singer', result: { rows: [[6]] } });
  });

  it('repairs the single greedy answer', async () => {
    const answer = await askDatabase({ model, database, question, repair: { rounds: 1 } });
    expect(answer.repairs).toMatchObject([{ failedSql: 'SELECT * FROM nowhere', sql: 'select count(*) from singer' }]);
    expect(answer.result?.rows).toEqual([[6]]);
    expect(answer.vote).toBeUndefined();
  });
});

describe('buildSqlRepairPrompt', () => {
  it('appends the repair request to a completion prompt, and continues a chat after the failing answer', async () => {
    const failing = { sql: 'SELECT x FROM singer', error: 'no such column: x' };
    expect(buildSqlRepairPrompt({ prompt: 'Q? ', ...failing })).toBe(
      'Q?\n\nThe SQL below failed on the SQLite database.\n```sql\nSELECT x FROM singer\n```\nError: no such column: x\nWrite the corrected SQL, which must run on this database and answer the question, in one ```sql block.\n',
    );
    const { chatTemplateFromTokenizerConfig } = await import('@aquila/prompts');
    const config = JSON.parse(await readFile(join(lenmlTokenizerFolder('qwen3'), 'tokenizer_config.json'), 'utf8'));
    const chatTemplate = chatTemplateFromTokenizerConfig({ config, source: 'qwen3' })!;
    const user = buildSqlPrompt({ question, schema: database });
    const chat = buildSqlRepairPrompt({
      prompt: user,
      ...failing,
      chatTemplate,
      output: '```sql\nSELECT x FROM singer\n```',
    });
    expect(chat.startsWith(`<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`)).toBe(true);
    expect(chat).toContain('<|im_start|>user\nThe SQL below failed on the SQLite database.');
    expect(chat.endsWith('<|im_start|>assistant\n')).toBe(true);
  });
});
