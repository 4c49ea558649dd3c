import { afterEach, describe, expect, it } from 'vitest';
import { EndpointError, TextToSqlOptionsError } from './errors.js';
import { sqlGenerationPresets, sqlGenerationRequest } from './generation-settings.js';
import { createOpenAiModel } from './openai-model.js';
import {
  type OpenAiStandIn,
  type StandInFault,
  standInAnswer,
  startOpenAiStandIn,
} from './test-support/openai-stand-in.js';

const prompt =
  '有多个数据库表，信息如下：\n表名为singer，包含的属性为singer.name\n请为下面的问题编写sql查询语句：\n有几位歌手？ ';

async function collect(
  model: ReturnType<typeof createOpenAiModel>,
  request: Parameters<ReturnType<typeof createOpenAiModel>['stream']>[0],
) {
  let text = '';
  let deltas = 0;
  for await (const event of model.stream(request)) {
    text += event.text;
    if (event.type === 'token-delta') deltas += 1;
    else return { text, deltas, end: event };
  }
  throw new Error('no end event');
}

describe('createOpenAiModel', () => {
  let server: OpenAiStandIn | undefined;
  afterEach(() => server?.close());

  it('streams a completion as token deltas with usage, sending the sampling settings', async () => {
    server = await startOpenAiStandIn({ apiKey: 'secret' });
    const model = createOpenAiModel({ endpoint: server.url.replace(/\/v1$/, ''), apiKey: 'secret' });
    const result = await collect(model, {
      prompt,
      temperature: 0,
      topK: 1000,
      topP: 0.95,
      seed: 1234,
      maxNewTokens: 64,
      stopStrings: ['###', '[UNK]', '</s>'],
    });
    expect(result.text).toBe(standInAnswer(prompt));
    expect(result.deltas).toBeGreaterThan(3);
    expect(result.end).toMatchObject({
      finishReason: 'stop',
      promptTokenCount: prompt.length,
      completionTokenCount: result.deltas,
    });
    expect(server.requests[0]?.body).toMatchObject({
      model: 'stand-in',
      prompt,
      temperature: 0,
      top_k: 1000,
      top_p: 0.95,
      seed: 1234,
      max_tokens: 64,
      stop: ['###', '[UNK]', '</s>'],
      stream: true,
    });
    expect(await model.modelName()).toBe('stand-in');
  });

  it("asks for the model's BOS (add_special_tokens) where the FlagAI format needs it, as the local path adds it", async () => {
    server = await startOpenAiStandIn();
    const model = createOpenAiModel({ endpoint: server.url, modelName: 'm' });
    await collect(
      model,
      sqlGenerationRequest({ prompt, settings: sqlGenerationPresets.greedy, tokenizer: model.tokenizer }),
    );
    await collect(
      model,
      sqlGenerationRequest({
        prompt,
        settings: { ...sqlGenerationPresets.greedy, promptFormat: 'plain' },
        tokenizer: model.tokenizer,
      }),
    );
    await collect(model, { promptIds: [100006, 5, 6] });
    expect(server.requests.map((request) => request.body.add_special_tokens)).toEqual([true, undefined, undefined]);
    expect(server.requests[0]?.body.prompt).toBe(prompt.replace(/\n+/g, '\n'));
  });

  it.each<[StandInFault, number]>([
    ['rate-limit', 2],
    ['server-error', 2],
    ['hang', 1],
  ])('retries a request that failed before any text (%s × %i)', async (fault, times) => {
    server = await startOpenAiStandIn({ fault: ({ index }) => (index < times ? fault : undefined) });
    const retries: string[] = [];
    const model = createOpenAiModel({
      endpoint: server.url,
      modelName: 'm',
      backoffMs: 1,
      requestTimeoutMs: 500,
      onRetry: ({ reason }) => retries.push(reason),
    });
    expect((await collect(model, { prompt })).text).toBe(standInAnswer(prompt));
    expect(server.requests.length).toBe(times + 1);
    expect(retries.length).toBe(times);
  });

  it('waits as long as Retry-After says', async () => {
    server = await startOpenAiStandIn({ fault: ({ index }) => (index === 0 ? 'rate-limit' : undefined) });
    const delays: number[] = [];
    const model = createOpenAiModel({
      endpoint: server.url,
      modelName: 'm',
      backoffMs: 10_000,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    });
    await collect(model, { prompt });
    expect(delays).toEqual([0]);
  });

  it('throws EndpointError when a stream breaks off after text came, and after the last retry', async () => {
    server = await startOpenAiStandIn({
      fault: ({ index }) => (index === 0 ? 'truncate' : 'server-error'),
      chunkSize: 4,
    });
    const model = createOpenAiModel({ endpoint: server.url, modelName: 'm', retries: 2, backoffMs: 1 });
    await expect(collect(model, { prompt })).rejects.toThrow(/broke off after 3 chunks/);
    await expect(collect(model, { prompt })).rejects.toThrow(/failed after 3 attempts: HTTP 500/);
    expect(server.requests.length).toBe(4);
  });

  it('does not retry client errors, and says what to check', async () => {
    server = await startOpenAiStandIn({ apiKey: 'right' });
    const model = createOpenAiModel({ endpoint: server.url, modelName: 'm', apiKey: 'wrong', backoffMs: 1 });
    await expect(collect(model, { prompt })).rejects.toThrow(EndpointError);
    await expect(collect(model, { prompt })).rejects.toThrow(/401.*check --api-key/);
    expect(() => createOpenAiModel({ endpoint: 'not a url' })).toThrow(TextToSqlOptionsError);
  });

  it('cancels the request when the signal aborts or the reader stops', async () => {
    server = await startOpenAiStandIn({ fault: () => 'hang' });
    const model = createOpenAiModel({ endpoint: server.url, modelName: 'm' });
    const controller = new AbortController();
    const pending = collect(model, { prompt, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client left')), 50);
    await expect(pending).rejects.toThrow('client left');
  });
});
