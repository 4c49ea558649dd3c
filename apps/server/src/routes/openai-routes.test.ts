import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint, LanguageModel } from '@aquila/runtime';
import { type ScriptedModel, tinyShapes, writeRandomCheckpoint, writeScriptedModel } from '@aquila/runtime/testing';
import { fixturePath, lenmlTokenizerFolder } from '@aquila/test-kit';
import { createOpenAiModel, predictBenchmark, type RawPrediction, type TextToSqlModel } from '@aquila/text-to-sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../start-server.js';
import { serverScripts } from '../test-support/server-scripts.js';

let scripted: ScriptedModel;
let server: RunningServer;
let directory: string;
const context = 2048;

beforeAll(async () => {
  scripted = await writeScriptedModel({ scripts: Object.values(serverScripts) });
  server = await startServer({ model: scripted.path, port: 0, log: null });
  directory = await mkdtemp(join(tmpdir(), 'aquila-server-openai-'));
});
afterAll(async () => {
  await server?.close({ drainTimeoutMs: 0 });
  await scripted?.remove();
  await rm(directory, { recursive: true, force: true });
});

const post = async (path: string, body: unknown): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.json() };
};

describe('max_tokens and the context', () => {
  const promptTokens = (): number => server.model.tokenizer!.encode(serverScripts.greeting.after).length;

  it("refuses a prompt and max_tokens that exceed the context with OpenAI's context_length_exceeded, naming both numbers", async () => {
    const answer = await post('/v1/completions', { prompt: serverScripts.greeting.after, max_tokens: 1e9 });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: null,
      message: `this model's context is ${context} tokens, but the request needs ${1e9 + promptTokens()}: ${promptTokens()} in the prompt and 1000000000 for the completion ("max_tokens"); lower "max_tokens" to at most ${context - promptTokens()} or shorten the prompt.`,
    });
    const chat = await post('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'Say hello' }],
      max_completion_tokens: context,
    });
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatchObject({
      code: 'context_length_exceeded',
      message: expect.stringMatching(/\("max_completion_tokens"\); lower "max_completion_tokens" to at most \d+/),
    });
  });

  it('takes a max_tokens that exactly fills the context, and the model default without one', async () => {
    const full = await post('/v1/completions', {
      prompt: serverScripts.greeting.after,
      max_tokens: context - promptTokens(),
    });
    expect(full.status).toBe(200);
    expect(full.body.choices[0]).toMatchObject({ text: serverScripts.greeting.output, finish_reason: 'stop' });
    expect((await post('/v1/completions', { prompt: serverScripts.greeting.after })).body.choices[0].text).toBe(
      serverScripts.greeting.output,
    );
  });

  it('wants max_tokens to be an integer ≥ 1', async () => {
    for (const max of [0, -3, 1.5, '10', true]) {
      const answer = await post('/v1/completions', { prompt: serverScripts.greeting.after, max_tokens: max });
      expect([max, answer.status]).toEqual([max, 400]);
      expect(answer.body.error.message).toMatch(/^"max_tokens" must be an integer ≥ 1, got /);
    }
  });
});

describe('the same prompt tokens through an endpoint as on the local runtime', () => {
  it('aquila predict gives the model BOS + prompt either way: same prompt token count, same greedy answer', async () => {
    const local = await LanguageModel.load({ path: scripted.path, threads: 1 });
    const run = async (
      name: string,
      model: TextToSqlModel,
      modelDescription: Parameters<typeof predictBenchmark>[0]['modelDescription'],
    ): Promise<RawPrediction> => {
      const output = join(directory, name);
      await predictBenchmark({
        benchmark: 'spider',
        questions: fixturePath('spider-dev', 'dev.json'),
        tables: fixturePath('spider-dev', 'tables.json'),
        model,
        modelDescription,
        output,
        ids: [0],
      });
      return JSON.parse((await readFile(join(output, 'raw_pred.jsonl'), 'utf8')).trim()) as RawPrediction;
    };
    try {
      const onRuntime = await run('local', local, { kind: 'local', path: scripted.path });
      const overHttp = await run('endpoint', createOpenAiModel({ endpoint: `${server.url}/v1`, backoffMs: 1 }), {
        kind: 'endpoint',
        endpoint: server.url,
        modelName: 'scripted-model',
      });
      expect(onRuntime).toMatchObject({
        output: serverScripts.sql.output,
        sql: serverScripts.sql.output,
        finish_reason: 'stop',
      });
      // BOS + the prompt with newline runs collapsed.
      expect(onRuntime.prompt_tokens).toBe(local.tokenizer!.encode(onRuntime.prompt.replace(/\n+/g, '\n')).length + 1);
      expect(overHttp).toMatchObject({
        output: onRuntime.output,
        prompt_tokens: onRuntime.prompt_tokens,
        completion_tokens: onRuntime.completion_tokens,
      });
    } finally {
      await local.release();
    }
  });

  it('adds BOS to a text prompt only when asked with add_special_tokens', async () => {
    const ids = server.model.tokenizer!.encode(serverScripts.greeting.after);
    expect(
      (await post('/v1/completions', { prompt: serverScripts.greeting.after, add_special_tokens: true })).body.usage
        .prompt_tokens,
    ).toBe(ids.length + 1);
    expect((await post('/v1/completions', { prompt: serverScripts.greeting.after })).body.usage.prompt_tokens).toBe(
      ids.length,
    );
    expect((await post('/v1/completions', { prompt: ids, add_special_tokens: true })).body.usage.prompt_tokens).toBe(
      ids.length,
    );
    expect((await post('/v1/completions', { prompt: 'x', add_special_tokens: 'yes' })).body.error.message).toBe(
      '"add_special_tokens" must be true or false, got "yes".',
    );
  });
});

describe("chat through the model's own chat template", () => {
  // A scripted model whose checkpoint carried Llama-2-chat's tokenizer_config.json (chat_template, AddedToken BOS
  // and EOS): the conversion keeps it, and /v1/chat/completions renders messages through it.
  const answer = { after: ' [/INST]', output: ' SELECT count(*) FROM singer; ### counted' };
  let templated: ScriptedModel;
  let templatedServer: RunningServer;
  beforeAll(async () => {
    const tokenizerConfig = JSON.parse(
      await readFile(fixturePath('chat-templates', 'llama-2-chat', 'tokenizer_config.json'), 'utf8'),
    );
    templated = await writeScriptedModel({ scripts: [answer], tokenizerConfig });
    templatedServer = await startServer({ model: templated.path, port: 0, log: null });
  });
  afterAll(async () => {
    await templatedServer?.close({ drainTimeoutMs: 0 });
    await templated?.remove();
  });

  const chat = async (messages: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${templatedServer.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: await response.json() };
  };

  it("renders the messages as the template does and stops at the model's EOS, not at FlagAI's ###", async () => {
    const { status, body } = await chat([
      { role: 'system', content: 'You write SQLite queries.' },
      { role: 'user', content: 'How many singers do we have?' },
    ]);
    expect(status).toBe(200);
    expect(body.choices[0]).toMatchObject({
      message: { role: 'assistant', content: answer.output },
      finish_reason: 'stop',
    });
    // What HF's apply_chat_template gives for these messages, tokenized with the model's tokenizer. The folder's
    // special_tokens_map.json (the scripted model's Aquila tokens) names BOS [CLS], over the config's <s>, as in HF.
    const prompt = '[CLS][INST] <<SYS>>\nYou write SQLite queries.\n<</SYS>>\n\nHow many singers do we have? [/INST]';
    expect(body.usage.prompt_tokens).toBe(templatedServer.model.tokenizer!.encode(prompt).length);
  });

  it("answers a template's raise_exception with a 400 carrying its message", async () => {
    const { status, body } = await chat([
      { role: 'user', content: 'How many singers?' },
      { role: 'user', content: 'And concerts?' },
    ]);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      type: 'invalid_request_error',
      message:
        'the chat template refused the messages: Conversation roles must alternate user/assistant/user/assistant/...',
    });
  });
});

/**
 * A tiny random model converted with Mistral-7B's tokenizer files (add_bos_token true), plus a chat template that
 * writes its own BOS: written once, for the servers of the tests below.
 */
let mistralModel: Promise<string> | undefined;
function writeMistralModel(): Promise<string> {
  mistralModel ??= (async () => {
    const checkpoint = join(directory, 'mistral');
    await mkdir(checkpoint);
    await writeRandomCheckpoint({
      directory: checkpoint,
      // Mistral's vocabulary, so that its real tokenizer files fit.
      shape: { ...tinyShapes.multiHead, vocabSize: 32000 },
      naming: 'hf',
      format: 'safetensors',
      seed: 5,
    });
    const folder = lenmlTokenizerFolder('llama2');
    await copyFile(join(folder, 'tokenizer.json'), join(checkpoint, 'tokenizer.json'));
    const tokenizerConfig = JSON.parse(await readFile(join(folder, 'tokenizer_config.json'), 'utf8'));
    tokenizerConfig.chat_template =
      "{{ bos_token }}{% for message in messages %}[INST] {{ message['content'] }} [/INST]{% endfor %}";
    await writeFile(join(checkpoint, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
    await convertCheckpoint({ checkpoint, output: join(directory, 'mistral-onnx') });
    return join(directory, 'mistral-onnx');
  })();
  return mistralModel;
}

describe("a text prompt starts as the model's tokenizer files ask (Mistral's <s>), once", () => {
  let mistralServer: RunningServer;
  beforeAll(async () => {
    mistralServer = await startServer({ model: await writeMistralModel(), port: 0, log: null });
  }, 120_000);
  afterAll(async () => {
    await mistralServer?.close({ drainTimeoutMs: 0 });
  });

  const promptTokens = async (path: string, body: object): Promise<number> => {
    const response = await fetch(`${mistralServer.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ max_tokens: 1, temperature: 0, ...body }),
      signal: AbortSignal.timeout(30_000),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
  };

  it('gives /v1/completions BOS + "Hello world" (3 tokens), as LanguageModel.generate({ prompt }) does', async () => {
    expect(mistralServer.model.tokenizer?.encode('Hello world')).toEqual([22557, 1526]);
    expect(await promptTokens('/v1/completions', { prompt: 'Hello world' })).toBe(3);
    expect(await promptTokens('/v1/completions', { prompt: 'Hello world', add_special_tokens: true })).toBe(3);
    expect(await promptTokens('/v1/completions', { prompt: 'Hello world', add_special_tokens: false })).toBe(2);
    expect(await promptTokens('/v1/completions', { prompt: [1, 22557, 1526] })).toBe(3);
    const local = await mistralServer.model.generate({ prompt: 'Hello world', maxNewTokens: 1, temperature: 0 });
    expect(local.promptTokenCount).toBe(3);
  });

  it("adds no second BOS to chat: the template's own <s> is the only one", async () => {
    const messages = [{ role: 'user', content: 'Hello world' }];
    const rendered = '<s>[INST] Hello world [/INST]';
    const ids = mistralServer.model.tokenizer!.encode(rendered);
    expect(ids.filter((id) => id === 1)).toEqual([1]);
    expect(await promptTokens('/v1/chat/completions', { messages })).toBe(ids.length);
  });
});

describe('n choices of one prompt', () => {
  // A batch of two: the forks of n = 3 wait for places.
  let sampler: RunningServer;
  beforeAll(async () => {
    sampler = await startServer({ model: await writeMistralModel(), port: 0, log: null, parallel: 2 });
  }, 120_000);
  afterAll(async () => {
    await sampler?.close({ drainTimeoutMs: 0 });
  });

  const send = (path: string, body: object): Promise<Response> =>
    fetch(`${sampler.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  const ask = async (path: string, body: object): Promise<any> => {
    const response = await send(path, body);
    expect(response.status).toBe(200);
    return response.json();
  };
  /** The choices of n separate requests, with seeds seed…seed+n−1 (0… without one), and their completion tokens. */
  const separately = async (
    path: string,
    body: { seed?: number; [field: string]: unknown },
    n: number,
  ): Promise<{ choices: any[]; promptTokens: number; completionTokens: number }> => {
    const choices = [];
    let promptTokens = 0;
    let completionTokens = 0;
    for (let index = 0; index < n; index++) {
      const answer = await ask(path, { ...body, n: 1, seed: (body.seed ?? 0) + index });
      choices.push({ ...answer.choices[0], index });
      promptTokens = answer.usage.prompt_tokens;
      completionTokens += answer.usage.completion_tokens;
    }
    return { choices, promptTokens, completionTokens };
  };
  const sampling = { temperature: 0.8, max_tokens: 12 };

  it('answers n = 3 with three choices, choice i as a request with seed + i, the prompt counted once', async () => {
    const completion = { prompt: 'Hello world', ...sampling, seed: 41, logprobs: 2 };
    const prefilled = sampler.model.prefilledTokens;
    const answer = await ask('/v1/completions', { ...completion, n: 3 });
    expect(sampler.model.prefilledTokens - prefilled).toBe(3);
    const alone = await separately('/v1/completions', completion, 3);
    expect(answer.choices).toEqual(alone.choices);
    expect(new Set(alone.choices.map((choice) => choice.text)).size).toBeGreaterThan(1);
    expect(answer.usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: alone.completionTokens,
      total_tokens: 3 + alone.completionTokens,
    });
    // Without a seed, choice i has seed i.
    const chat = { messages: [{ role: 'user', content: 'Hello world' }], ...sampling };
    const chatAnswer = await ask('/v1/chat/completions', { ...chat, n: 3 });
    expect(chatAnswer.choices).toEqual((await separately('/v1/chat/completions', chat, 3)).choices);
    expect(chatAnswer.choices.map((choice: any) => choice.index)).toEqual([0, 1, 2]);
  });

  it('streams n = 3 as chunks tagged with each choice, the same texts, usage summed, then [DONE]', async () => {
    for (const path of ['/v1/completions', '/v1/chat/completions']) {
      const body = {
        ...(path === '/v1/completions' ? { prompt: 'Hello world' } : { messages: [{ role: 'user', content: 'Hi' }] }),
        ...sampling,
        seed: 7,
      };
      const response = await send(path, { ...body, n: 3, stream: true, stream_options: { include_usage: true } });
      expect(response.status).toBe(200);
      const data = (await response.text())
        .split('\n\n')
        .filter(Boolean)
        .map((line) => line.replace(/^data: /, ''));
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
      const texts = ['', '', ''];
      const finished: string[] = [];
      for (const chunk of chunks.slice(0, -1))
        for (const choice of chunk.choices) {
          texts[choice.index] += choice.text ?? choice.delta.content ?? '';
          if (choice.finish_reason) finished[choice.index] = choice.finish_reason;
        }
      const alone = await separately(path, body, 3);
      expect(texts).toEqual(alone.choices.map((choice) => choice.text ?? choice.message.content));
      expect(finished).toEqual(alone.choices.map((choice) => choice.finish_reason));
      const roles = chunks.filter((chunk) => chunk.choices[0]?.delta?.role === 'assistant');
      expect(roles.map((chunk) => chunk.choices[0].index)).toEqual(path === '/v1/completions' ? [] : [0, 1, 2]);
      const usage = chunks.at(-1);
      expect(usage.choices).toEqual([]);
      expect(usage.usage).toEqual({
        prompt_tokens: alone.promptTokens,
        completion_tokens: alone.completionTokens,
        total_tokens: alone.promptTokens + alone.completionTokens,
      });
    }
  });

  it('refuses n = 17 and n = 0 with a 400 naming "n"', async () => {
    for (const n of [17, 0, 2.5]) {
      const response = await send('/v1/completions', { prompt: 'Hello', n });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.message).toBe(`"n" must be an integer ≥ 1 and ≤ 16, got ${n}.`);
    }
  });
});
