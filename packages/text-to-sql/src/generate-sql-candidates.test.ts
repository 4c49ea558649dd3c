import { LanguageModel } from '@aquila/runtime';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TextToSqlOptionsError } from './errors.js';
import { generateSqlCandidates, streamSqlCandidates } from './generate-sql-candidates.js';
import { sqlGenerationPresets } from './generation-settings.js';
import { createOpenAiModel } from './openai-model.js';
import { type OpenAiStandIn, startOpenAiStandIn } from './test-support/openai-stand-in.js';
import type { TextToSqlModel } from './text-to-sql-model.js';

const prompt =
  '有多个数据库表，信息如下：\n表名为singer，包含的属性为singer.name\n请为下面的问题编写sql查询语句：\n有几位歌手？ ';
// Each sample says which seed it was drawn with.
const bySeed = ({ seed }: { seed: number }): string => `\`\`\`sql\nSELECT ${seed} FROM singer\n\`\`\``;
const sampled = { ...sqlGenerationPresets.sampled, seed: 10 };

describe('generateSqlCandidates from an OpenAI-compatible endpoint', () => {
  let server: OpenAiStandIn | undefined;
  afterEach(() => server?.close());

  it('asks for n samples in one request and reads the choices by index', async () => {
    server = await startOpenAiStandIn({ answer: bySeed, chunkSize: 4 });
    const model = createOpenAiModel({ endpoint: server.url });
    const candidates = await generateSqlCandidates({ model, prompt, samples: 3, generation: sampled });
    expect(candidates.map(({ index, seed, sql, extracted }) => ({ index, seed, sql, extracted }))).toEqual([
      { index: 0, seed: 10, sql: 'SELECT 10 FROM singer', extracted: true },
      { index: 1, seed: 11, sql: 'SELECT 11 FROM singer', extracted: true },
      { index: 2, seed: 12, sql: 'SELECT 12 FROM singer', extracted: true },
    ]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body).toMatchObject({ n: 3, seed: 10, temperature: 0.8, top_p: 0.95 });
    expect(model.sendsN).toBe(true);
    // The choices' chunks come interleaved; each candidate's text is whole.
    const deltas: number[] = [];
    for await (const event of streamSqlCandidates({ model, prompt, samples: 2, generation: sampled }))
      if (event.type === 'candidate-delta') deltas.push(event.index);
    expect(deltas.slice(0, 4)).toEqual([0, 1, 0, 1]);
    for (const candidate of candidates) expect(candidate.usage.completionTokens).toBeGreaterThan(0);
  });

  it('falls back to n requests with seeds seed + i when the server refuses n, and remembers it', async () => {
    server = await startOpenAiStandIn({ answer: bySeed, n: 'refuse' });
    const model = createOpenAiModel({ endpoint: server.url, parallelRequests: 2 });
    const candidates = await generateSqlCandidates({ model, prompt, samples: 3, generation: sampled });
    expect(candidates.map(({ sql }) => sql)).toEqual([
      'SELECT 10 FROM singer',
      'SELECT 11 FROM singer',
      'SELECT 12 FROM singer',
    ]);
    expect(model.sendsN).toBe(false);
    expect(server.requests.map(({ body }) => [body.n ?? 1, body.seed])).toEqual([
      [3, 10],
      [1, 10],
      [1, 11],
      [1, 12],
    ]);
    expect(server.concurrency.peak).toBeLessThanOrEqual(2);
    await generateSqlCandidates({ model, prompt, samples: 2, generation: sampled });
    expect(server.requests.slice(4).map(({ body }) => body.n ?? 1)).toEqual([1, 1]);
  });

  it('asks again for the choices a server left out (one choice for n)', async () => {
    server = await startOpenAiStandIn({ answer: bySeed, n: 'ignore' });
    const model = createOpenAiModel({ endpoint: server.url });
    const candidates = await generateSqlCandidates({ model, prompt, samples: 3, generation: sampled });
    expect(candidates.map(({ sql }) => sql)).toEqual([
      'SELECT 10 FROM singer',
      'SELECT 11 FROM singer',
      'SELECT 12 FROM singer',
    ]);
    expect(server.requests.map(({ body }) => [body.n ?? 1, body.seed])).toEqual([
      [3, 10],
      [1, 11],
      [1, 12],
    ]);
    expect(model.sendsN).toBe(false);
  });

  it('refuses several greedy samples with an error naming the temperature', async () => {
    server = await startOpenAiStandIn();
    const model = createOpenAiModel({ endpoint: server.url });
    const greedy = generateSqlCandidates({ model, prompt, samples: 3, generation: sqlGenerationPresets.greedy });
    await expect(greedy).rejects.toThrow(TextToSqlOptionsError);
    await expect(greedy).rejects.toThrow(/temperature 0 would give 3 equal candidates/);
    await expect(generateSqlCandidates({ model, prompt, samples: 0 })).rejects.toThrow(/from 1 to 64/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('generateSqlCandidates on the local runtime', () => {
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

  // The scripted model's answer is so likely that a low temperature samples it every time.
  const generation = { ...sqlGenerationPresets.sampled, temperature: 0.05 };

  it('samples n candidates with seeds seed + i (n streams without streamChoices)', async () => {
    const seen: { seed: number | undefined; n?: number }[] = [];
    // The model as a model without streamChoices: n streams, one per seed.
    const streams: TextToSqlModel = {
      tokenizer: model.tokenizer,
      stream: (request) => {
        seen.push({ seed: request.seed });
        return model.stream(request);
      },
    };
    const candidates = await generateSqlCandidates({ model: streams, prompt, samples: 3, generation });
    expect(candidates.map(({ seed, sql }) => ({ seed, sql }))).toEqual([
      { seed: 0, sql: 'SELECT count(*) FROM singer' },
      { seed: 1, sql: 'SELECT count(*) FROM singer' },
      { seed: 2, sql: 'SELECT count(*) FROM singer' },
    ]);
    expect(seen.map(({ seed }) => seed).sort()).toEqual([0, 1, 2]);
  });

  const sharesPrefill = typeof (LanguageModel.prototype as Partial<TextToSqlModel>).streamChoices === 'function';
  it.skipIf(!sharesPrefill)('uses the runtime’s streamChoices (one shared prefill) when it has one', async () => {
    // The prompt is prefilled once for all the samples.
    const prefilled = (): number => (model as unknown as { prefilledTokens: number }).prefilledTokens;
    const before = prefilled();
    const [first] = await generateSqlCandidates({ model, prompt, samples: 4, generation });
    expect(prefilled() - before).toBe(first?.usage.promptTokens);
    let choices = 0;
    let streams = 0;
    const counted: TextToSqlModel = {
      tokenizer: model.tokenizer,
      stream: (request) => {
        streams += 1;
        return model.stream(request);
      },
      streamChoices: (request) => {
        choices += 1;
        return (model as Required<TextToSqlModel>).streamChoices(request);
      },
    };
    const candidates = await generateSqlCandidates({ model: counted, prompt, samples: 4, generation });
    expect(candidates.map(({ sql }) => sql)).toEqual(Array(4).fill('SELECT count(*) FROM singer'));
    expect({ choices, streams }).toEqual({ choices: 1, streams: 0 });
  });
});
