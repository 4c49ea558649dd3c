import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChatTemplateParseError } from '@aquila/prompts';
import { createCharacterTokenizer } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { GenerationOptionsError } from './errors.js';
import type { ChoiceEvent, ChoicesRequest, GenerationEvent, GenerationResult } from './generation/generation-types.js';
import { LanguageModel } from './language-model.js';
import { temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';

const shape = tinyShapes.multiHead;
// 94 pieces + 2 specials = 96 = the vocabulary; a few two-character pieces.
const alphabet = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_()[]{}<>=+*/#',
  'th',
  'er',
  'on',
  'an',
  're',
  'in',
  'ed',
  'nd',
  'ha',
  'at',
];

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
let model: LanguageModel | undefined;
const loaded = (): LanguageModel => model as LanguageModel;
beforeAll(async () => {
  expect(alphabet.length + 2).toBe(shape.vocabSize);
  workspace = await temporaryDirectory('generate');
  await writeRandomCheckpoint({
    directory: join(workspace.path, 'checkpoint'),
    shape,
    naming: 'hf',
    format: 'safetensors',
    seed: 7,
  });
  await convertCheckpoint({
    checkpoint: join(workspace.path, 'checkpoint'),
    output: join(workspace.path, 'onnx'),
    generation: { stopTokenIds: [] },
  });
  model = await LanguageModel.load({
    path: join(workspace.path, 'onnx'),
    tokenizer: createCharacterTokenizer(alphabet),
    maxBatchSize: 4,
  });
});
afterAll(async () => {
  await model?.release();
  await workspace.remove();
});

async function collect(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const sampling = { temperature: 0.9, topK: 40, topP: 0.9, seed: 1234, maxNewTokens: 12 };

describe('LanguageModel generation', () => {
  it('is deterministic for a seed and differs across seeds', async () => {
    const first = await loaded().generate({ promptIds: [3, 4, 5], ...sampling });
    const again = await loaded().generate({ promptIds: [3, 4, 5], ...sampling });
    expect(again.tokenIds).toEqual(first.tokenIds);
    const others = await Promise.all(
      [1, 2, 3].map((seed) => loaded().generate({ promptIds: [3, 4, 5], ...sampling, seed })),
    );
    expect(others.some((other) => other.tokenIds.join() !== first.tokenIds.join())).toBe(true);
    expect(first.tokenIds).toHaveLength(12);
    expect(first.finishReason).toBe('length');
  });

  it('gives the same tokens in a batch as one at a time, with requests joining and leaving', async () => {
    const requests = [
      { promptIds: [3, 4, 5], maxNewTokens: 10 },
      { promptIds: [9, 8, 7, 6, 5, 4, 3], maxNewTokens: 4 },
      { promptIds: [12], ...sampling, maxNewTokens: 14 },
      { promptIds: [20, 21], ...sampling, seed: 5, maxNewTokens: 7 },
      { promptIds: [30, 31, 32, 33], repetitionPenalty: 1.3, maxNewTokens: 9 },
      { promptIds: [40, 2], maxNewTokens: 11 },
    ];
    const alone = [];
    for (const request of requests) alone.push((await loaded().generate(request)).tokenIds);
    // Six concurrent requests on a batch of four: two wait, and join as others finish.
    const together = await Promise.all(requests.map((request) => loaded().generate(request)));
    expect(together.map((result) => result.tokenIds)).toEqual(alone);
    // Prompts prefilled 3 tokens at a time, with decode steps of the others in between: the same tokens.
    const chunked = await LanguageModel.load({
      path: join(workspace.path, 'onnx'),
      tokenizer: null,
      maxBatchSize: 3,
      prefillChunkSize: 3,
    });
    const interleaved = await Promise.all(requests.map((request) => chunked.generate(request)));
    await chunked.release();
    expect(interleaved.map((result) => result.tokenIds)).toEqual(alone);
  });

  it('streams text whose concatenation equals the non-streamed text', async () => {
    const request = { prompt: 'the answer is', ...sampling, maxNewTokens: 16 };
    const events = await collect(loaded().stream(request));
    const streamed = events.map((event) => event.text).join('');
    expect(streamed).toBe((await loaded().generate(request)).text);
    expect(events.filter((event) => event.type === 'token-delta')).toHaveLength(16);
    expect(events.at(-1)).toMatchObject({
      type: 'generation-end',
      finishReason: 'length',
      promptTokenCount: 10,
      completionTokenCount: 16,
    });
  });

  it('stops at a stop string, cuts it, and never emits part of it first', async () => {
    const free = await loaded().generate({ prompt: 'hello', maxNewTokens: 20 });
    const stop = free.text.slice(6, 9);
    const expected = free.text.slice(0, free.text.indexOf(stop));
    const events = await collect(
      loaded().stream({ prompt: 'hello', maxNewTokens: 20, stopStrings: [stop, 'never-there'] }),
    );
    const deltas = events.map((event) => event.text);
    expect(deltas.join('')).toBe(expected);
    let emitted = '';
    for (const delta of deltas) {
      emitted += delta;
      expect(expected.startsWith(emitted)).toBe(true);
    }
    expect(events.at(-1)).toMatchObject({ type: 'generation-end', finishReason: 'stop' });
  });

  it('stops at a stop token id without emitting it', async () => {
    const free = await loaded().generate({ promptIds: [5, 6], maxNewTokens: 10 });
    const stopId = free.tokenIds[4] as number;
    const result = await loaded().generate({ promptIds: [5, 6], maxNewTokens: 10, stopTokenIds: [stopId] });
    expect(result.tokenIds).toEqual(free.tokenIds.slice(0, free.tokenIds.indexOf(stopId)));
    expect(result.finishReason).toBe('stop');
  });

  it('reports log probabilities consistent with greedy choice, and the queue load', async () => {
    const plain = await collect(loaded().stream({ promptIds: [5, 6], maxNewTokens: 2 }));
    expect(plain.some((event) => 'logprob' in event)).toBe(false);
    const events = await collect(loaded().stream({ promptIds: [5, 6], maxNewTokens: 4, topLogprobs: 3 }));
    for (const event of events) {
      if (event.type !== 'token-delta') continue;
      const top = event.topLogprobs ?? [];
      expect(top).toHaveLength(3);
      expect(top[0]).toEqual({ tokenId: event.tokenId, logprob: event.logprob });
      expect(event.logprob).toBeLessThan(0);
      expect(top[1]?.logprob).toBeLessThanOrEqual(top[0]?.logprob as number);
      expect(top[2]?.logprob).toBeLessThanOrEqual(top[1]?.logprob as number);
    }
    const requests = [1, 2, 3, 4, 5, 6].map((token) => loaded().generate({ promptIds: [token], maxNewTokens: 3 }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(loaded().load.running + loaded().load.waiting).toBe(6);
    await Promise.all(requests);
    expect(loaded().load).toEqual({ running: 0, waiting: 0 });
  });

  it('runs logits processors before sampling', async () => {
    const free = await loaded().generate({ promptIds: [5, 6], maxNewTokens: 6 });
    const banned = free.tokenIds[0] as number;
    const seen: number[] = [];
    const result = await loaded().generate({
      promptIds: [5, 6],
      maxNewTokens: 6,
      logitsProcessors: [
        ({ logits, tokenIds, promptLength }) => {
          expect(promptLength).toBe(2);
          seen.push(tokenIds.length);
          logits[banned] = -Infinity;
        },
      ],
    });
    expect(result.tokenIds).not.toContain(banned);
    expect(seen).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('fails only the request whose logits processor throws, at its first token or later', async () => {
    const alone = await loaded().generate({ ...sampling, promptIds: [3, 4, 5] });
    for (const after of [0, 3]) {
      let calls = 0;
      const throwing = loaded().generate({
        ...sampling,
        promptIds: [7, 8],
        logitsProcessors: [
          () => {
            calls += 1;
            if (calls > after) throw new Error(`processor failed after ${after}`);
          },
        ],
      });
      const beside = loaded().generate({ ...sampling, promptIds: [3, 4, 5] });
      await expect(throwing).rejects.toThrow(`processor failed after ${after}`);
      expect((await beside).tokenIds).toEqual(alone.tokenIds);
    }
    expect(loaded().load).toEqual({ running: 0, waiting: 0 });
  });

  it('cancels with an AbortSignal', async () => {
    const controller = new AbortController();
    const received: number[] = [];
    const run = (async () => {
      for await (const event of loaded().stream({ promptIds: [1, 2], maxNewTokens: 40, signal: controller.signal })) {
        if (event.type === 'token-delta') received.push(event.tokenId);
        if (received.length === 3) controller.abort(new Error('stop now'));
      }
    })();
    await expect(run).rejects.toThrow('stop now');
    expect(received.length).toBeLessThan(6);
    // Queued behind a full batch (4), a request is dropped as soon as it is aborted.
    const queued = new AbortController();
    const running = [1, 2, 3, 4].map((token) => loaded().generate({ promptIds: [token], maxNewTokens: 30 }));
    const waiting = loaded().generate({ promptIds: [9], maxNewTokens: 30, signal: queued.signal });
    queued.abort(new Error('not needed any more'));
    await expect(waiting).rejects.toThrow('not needed any more');
    expect((await Promise.all(running)).map((result) => result.tokenIds.length)).toEqual([30, 30, 30, 30]);
    const aborted = AbortSignal.abort();
    await expect(loaded().generate({ promptIds: [1], signal: aborted })).rejects.toThrow();
  });

  it('finishes with "length" at the end of the context', async () => {
    const prompt = Array.from({ length: shape.maxPositions - 3 }, (_, index) => 2 + (index % 50));
    const result = await loaded().generate({ promptIds: prompt, maxNewTokens: 50 });
    expect(result.tokenIds).toHaveLength(3);
    expect(result.finishReason).toBe('length');
  });

  it('rejects bad requests with typed errors naming the limit', async () => {
    const tooLong = Array.from({ length: shape.maxPositions }, () => 3);
    await expect(loaded().generate({ promptIds: tooLong })).rejects.toThrow(
      /48 tokens, which leaves no room in the model's context of 48/,
    );
    await expect(loaded().generate({ promptIds: [] })).rejects.toThrow(GenerationOptionsError);
    await expect(loaded().generate({ promptIds: [96] })).rejects.toThrow(/outside the vocabulary \(0…95\)/);
    await expect(loaded().generate({ promptIds: [1], temperature: -1 })).rejects.toThrow(/temperature/);
    await expect(loaded().generate({ promptIds: [1], topP: 0 })).rejects.toThrow(/topP/);
    await expect(loaded().generate({ promptIds: [1], maxNewTokens: 0 })).rejects.toThrow(/maxNewTokens/);
    await expect(LanguageModel.load({ path: join(workspace.path, 'onnx'), prefillChunkSize: 0 })).rejects.toThrow(
      /prefillChunkSize/,
    );
  });
});

describe('LanguageModel choices', () => {
  const sampled = { temperature: 0.8, topK: 30, maxNewTokens: 9 };

  /** Each choice of `streamChoices` and `generateChoices` next to `stream` and `generate` with seed + i, one at a time. */
  async function expectChoicesMatchAlone(on: LanguageModel, request: ChoicesRequest): Promise<void> {
    const events = (await collect(on.streamChoices(request))) as ChoiceEvent[];
    const choices = await on.generateChoices(request);
    expect(choices).toHaveLength(request.n);
    for (const [index, choice] of choices.entries()) {
      const alone = { ...request, seed: (request.seed ?? 0) + index };
      const own = events.filter((event) => event.index === index).map(({ index: _, ...event }) => event);
      expect([index, own]).toEqual([index, await collect(on.stream(alone))]);
      expect([index, choice]).toEqual([index, await on.generate(alone)]);
    }
  }

  it('gives choice i the tokens of generate with seed + i, prefilling the prompt once', async () => {
    const small = await LanguageModel.load({
      path: join(workspace.path, 'onnx'),
      tokenizer: createCharacterTokenizer(alphabet),
      maxBatchSize: 2,
      prefillChunkSize: 2,
    });
    try {
      for (const on of [loaded(), small])
        for (const n of [1, 3, 5])
          for (const seed of [3, 77, 1000]) {
            const before = on.prefilledTokens;
            const choices = await on.generateChoices({ promptIds: [7, 8, 9], ...sampled, seed, n });
            expect(on.prefilledTokens - before).toBe(3);
            await expectChoicesMatchAlone(on, { promptIds: [7, 8, 9], ...sampled, seed, n });
            if (n === 5) expect(new Set(choices.map((choice) => choice.tokenIds.join())).size).toBeGreaterThan(1);
          }
      // Text, stop strings, a repetition penalty, log probabilities; no seed means seeds 0…n−1.
      const free = await loaded().generate({ prompt: 'the answer', ...sampled, maxNewTokens: 20 });
      await expectChoicesMatchAlone(small, {
        prompt: 'the answer',
        ...sampled,
        maxNewTokens: 20,
        stopStrings: [free.text.slice(3, 5)],
        repetitionPenalty: 1.2,
        topLogprobs: 2,
        n: 4,
      });
      // Choice requests and plain ones together: forks wait for places, never more than the batch at once.
      let most = 0;
      const watch = (): void => {
        most = Math.max(most, small.load.running);
      };
      const requests: ChoicesRequest[] = [
        { promptIds: [1, 2, 3, 4, 5], ...sampled, seed: 11, n: 3 },
        { promptIds: [6], ...sampled, seed: 12, n: 1 },
        { promptIds: [20, 21], ...sampled, seed: 13, n: 5, maxNewTokens: 4 },
        { promptIds: [30, 31, 32], maxNewTokens: 6, n: 2 },
      ];
      const together = await Promise.all(
        requests.map((request) => small.generateChoices({ ...request, logitsProcessors: [watch] })),
      );
      expect(most).toBe(2);
      for (const [index, request] of requests.entries())
        for (const [choice, result] of (together[index] as GenerationResult[]).entries())
          expect(result).toEqual(await small.generate({ ...request, seed: (request.seed ?? 0) + choice }));
      expect(small.load).toEqual({ running: 0, waiting: 0 });
    } finally {
      await small.release();
    }
  });

  it('gives n equal greedy choices, and streams events tagged with their index', async () => {
    const alone = await loaded().generate({ promptIds: [5, 6, 7], maxNewTokens: 8 });
    const choices = await loaded().generateChoices({ promptIds: [5, 6, 7], maxNewTokens: 8, n: 6 });
    expect(choices).toEqual(Array.from({ length: 6 }, () => alone));
    const events = await collect(loaded().streamChoices({ prompt: 'hello', ...sampled, seed: 4, n: 3 }));
    for (const index of [0, 1, 2]) {
      const own = events.filter((event) => (event as ChoiceEvent).index === index);
      expect(own.at(-1)).toMatchObject({ type: 'generation-end', completionTokenCount: 9, promptTokenCount: 5 });
      expect(own.filter((event) => event.type === 'generation-end')).toHaveLength(1);
      expect(own.map((event) => event.text).join('')).toBe(
        (await loaded().generate({ prompt: 'hello', ...sampled, seed: 4 + index })).text,
      );
    }
    expect(events).toHaveLength(30);
  });

  it('ends every choice when the signal aborts or the reader stops, also with forks still waiting', async () => {
    const controller = new AbortController();
    let received = 0;
    const run = (async () => {
      for await (const event of loaded().streamChoices({
        promptIds: [1, 2],
        maxNewTokens: 40,
        n: 6,
        signal: controller.signal,
      })) {
        if (event.type === 'token-delta') received += 1;
        if (received === 3) controller.abort(new Error('enough choices'));
      }
    })();
    await expect(run).rejects.toThrow('enough choices');
    await vi.waitFor(() => expect(loaded().load).toEqual({ running: 0, waiting: 0 }));
    // Six choices on a batch of four: two forks wait; stopping the reader drops them and the running four.
    for await (const event of loaded().streamChoices({ promptIds: [1, 2], maxNewTokens: 40, n: 6 })) {
      expect(event.index).toBeLessThan(4);
      expect(loaded().load).toEqual({ running: 4, waiting: 2 });
      break;
    }
    await vi.waitFor(() => expect(loaded().load).toEqual({ running: 0, waiting: 0 }));
    // Aborted while its forks wait behind a full batch: the forks are dropped, the others run on.
    const blocked = new AbortController();
    const running = [1, 2, 3].map((token) => loaded().generate({ promptIds: [token], maxNewTokens: 30 }));
    const loads: { running: number; waiting: number }[] = [];
    const forks = loaded().generateChoices({
      promptIds: [9],
      maxNewTokens: 30,
      n: 3,
      signal: blocked.signal,
      logitsProcessors: [
        () => {
          loads.push(loaded().load);
          blocked.abort(new Error('no longer needed'));
        },
      ],
    });
    await expect(forks).rejects.toThrow('no longer needed');
    expect(loads).toEqual([{ running: 4, waiting: 2 }]);
    expect((await Promise.all(running)).map((result) => result.tokenIds.length)).toEqual([30, 30, 30]);
    expect(loaded().load).toEqual({ running: 0, waiting: 0 });
  });

  it('wants n to be an integer from 1 to 64', async () => {
    for (const n of [0, 65, 2.5, Number.NaN])
      await expect(loaded().generateChoices({ promptIds: [1], n })).rejects.toThrow(
        new GenerationOptionsError(`n (the number of choices) must be an integer from 1 to 64, got ${n}.`),
      );
  });
});

describe('LanguageModel chat template', () => {
  it("keeps the checkpoint's tokenizer_config.json chat template, has none without it, and refuses one that does not parse", async () => {
    expect(loaded().chatTemplate).toBeUndefined();
    const checkpoint = join(workspace.path, 'chat-checkpoint');
    await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format: 'safetensors', seed: 7 });
    const config = {
      chat_template: '{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{{ eos_token }}',
      eos_token: '</s>',
    };
    await writeFile(join(checkpoint, 'tokenizer_config.json'), JSON.stringify(config));
    await convertCheckpoint({ checkpoint, output: join(workspace.path, 'chat-onnx') });
    const chat = await LanguageModel.load({ path: join(workspace.path, 'chat-onnx'), tokenizer: null });
    try {
      expect(chat.chatTemplate?.source).toBe(join(workspace.path, 'chat-onnx', 'tokenizer_config.json'));
      expect(chat.chatTemplate?.render([{ role: 'user', content: 'hi' }])).toBe('<user>hi</s>');
    } finally {
      await chat.release();
    }
    await writeFile(join(workspace.path, 'chat-onnx', 'chat_template.jinja'), '{% if messages %}');
    await expect(LanguageModel.load({ path: join(workspace.path, 'chat-onnx'), tokenizer: null })).rejects.toThrow(
      ChatTemplateParseError,
    );
  });
});
