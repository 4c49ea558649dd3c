import { spiderDatabase } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AskDatabaseEvent, askDatabase, streamAskDatabase } from './ask-database.js';
import { buildSqlPrompt, customTemplate } from './build-sql-prompt.js';
import { TextToSqlOptionsError } from './errors.js';
import { createOpenAiModel } from './openai-model.js';
import { SqlDatabase } from './sql-database.js';
import { type OpenAiStandIn, startOpenAiStandIn } from './test-support/openai-stand-in.js';

let server: OpenAiStandIn;
let database: SqlDatabase;
beforeAll(async () => {
  server = await startOpenAiStandIn({ fault: ({ prompt }) => (prompt.includes('不知道') ? 'no-sql' : undefined) });
  database = await SqlDatabase.open({ file: spiderDatabase('concert_singer') });
});
afterAll(async () => {
  await server.close();
  await database.close();
});

describe('streamAskDatabase over an OpenAI-compatible endpoint', () => {
  it('streams the prompt, the text, the checked SQL, its rows and the usage, in that order', async () => {
    const model = createOpenAiModel({ endpoint: server.url });
    const events: AskDatabaseEvent[] = [];
    for await (const event of streamAskDatabase({ model, database, question: 'How many singers do we have?' }))
      events.push(event);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('prompt');
    expect(types.slice(-3)).toEqual(['sql', 'result', 'end']);
    expect(types.slice(1, -3).every((type) => type === 'text-delta')).toBe(true);
    const prompt = (events[0] as { prompt: string }).prompt;
    expect(prompt).toBe(buildSqlPrompt({ question: 'How many singers do we have?', schema: database }));
    expect(prompt).toContain('表名为stadium，包含的属性为stadium.stadium_id,');
    expect(prompt).toContain(
      '它们之间的关系为 concert.stadium_id = stadium.stadium_id , singer_in_concert.singer_id = singer.singer_id',
    );
    // FlagAI's prompt path over HTTP: newline runs collapsed, BOS left to the server; greedy by default.
    expect(server.requests.at(-1)?.body).toMatchObject({
      prompt: prompt.replace(/\n+/g, '\n'),
      temperature: 0,
      max_tokens: 256,
    });
    expect(events.find((event) => event.type === 'sql')).toEqual({
      type: 'sql',
      sql: 'SELECT count(*) FROM stadium',
      extracted: true,
      parses: true,
    });
    expect(events.find((event) => event.type === 'result')).toMatchObject({
      columns: ['count(*)'],
      rows: [[9]],
      truncated: false,
    });
    expect(events.at(-1)).toMatchObject({
      type: 'end',
      finishReason: 'stop',
      usage: { promptTokens: prompt.replace(/\n+/g, '\n').length },
    });
  });

  it('collects the same in askDatabase; a custom template changes the prompt and hence the SQL', async () => {
    const model = createOpenAiModel({ endpoint: server.url });
    const template = customTemplate('Tables:\n{ddl}\nQuestion: {question}');
    const answer = await askDatabase({
      model,
      database,
      question: 'How many singers?',
      template,
      execute: true,
      maxRows: 5,
    });
    expect(answer.prompt.startsWith('Tables:\nCREATE TABLE stadium (Stadium_ID INT, Location TEXT')).toBe(true);
    expect(answer).toMatchObject({
      sql: 'SELECT count(*) FROM stadium',
      extracted: true,
      parses: true,
      result: { rows: [[9]] },
      finishReason: 'stop',
    });
    const noRun = await askDatabase({ model, database, question: 'How many singers?', execute: false });
    expect(noRun.result).toBeUndefined();
    expect(() => customTemplate('no question here')).toThrow(TextToSqlOptionsError);
  });

  it('reports an output without SQL as not extracted, and does not run anything', async () => {
    const answer = await askDatabase({
      model: createOpenAiModel({ endpoint: server.url }),
      database,
      question: '我不知道',
    });
    expect(answer).toMatchObject({ text: '我不知道。', sql: '', extracted: false, parses: false });
    expect(answer.result).toBeUndefined();
    expect(answer.error).toBeUndefined();
  });

  it('turns a failing query into an error event and rejects bad options before generating', async () => {
    const ddl = await SqlDatabase.fromDdl({ ddl: 'CREATE TABLE 表 (a INT);' });
    try {
      const answer = await askDatabase({
        model: createOpenAiModel({ endpoint: server.url }),
        database: ddl,
        question: 'how many?',
      });
      expect(answer.sql).toBe('SELECT count(*) FROM 表');
      expect(answer.result?.rows).toEqual([[0]]);
    } finally {
      await ddl.close();
    }
    // Without tables in the prompt the stand-in's rule names a table that does not exist.
    const failing = await askDatabase({
      model: createOpenAiModel({ endpoint: server.url }),
      database,
      question: 'how many?',
      template: customTemplate('{question}'),
    });
    expect(failing).toMatchObject({
      sql: 'SELECT count(*) FROM unknown_table',
      extracted: true,
      parses: false,
      error: { stage: 'execution', code: 'AQUILA_TEXT_TO_SQL_QUERY_EXECUTION' },
    });
    expect(failing.error?.message).toMatch(/no such table: unknown_table/);
    expect(failing.result).toBeUndefined();
    const before = server.requests.length;
    await expect(
      askDatabase({ model: createOpenAiModel({ endpoint: server.url }), database, question: '  ' }),
    ).rejects.toThrow(TextToSqlOptionsError);
    await expect(
      askDatabase({ model: createOpenAiModel({ endpoint: server.url }), database, question: 'q', maxRows: 0 }),
    ).rejects.toThrow(TextToSqlOptionsError);
    expect(server.requests.length).toBe(before);
  });
});
