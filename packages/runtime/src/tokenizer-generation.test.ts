import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flagaiChatPromptIds, flagaiPromptIds, flagaiStopRules } from '@aquila/prompts';
import { aquilaTokenizerJson, fixturePath } from '@aquila/test-kit';
import { loadAquilaTokenizer } from '@aquila/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { LanguageModel } from './language-model.js';
import { temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
let model: LanguageModel | undefined;
const loaded = (): LanguageModel => model as LanguageModel;
beforeAll(async () => {
  workspace = await temporaryDirectory('tokenizer');
  const checkpoint = join(workspace.path, 'checkpoint');
  // A tiny random model over Aquila's vocabulary, with the tokenizer files a real checkpoint carries (the
  // tokenizer.json built from Aquila's vocab.json + merges.txt, as the tokenizer tests build it).
  await writeRandomCheckpoint({
    directory: checkpoint,
    shape: { ...tinyShapes.multiHead, vocabSize: 100008 },
    naming: 'hf',
    format: 'safetensors',
    seed: 3,
  });
  await writeFile(join(checkpoint, 'tokenizer.json'), aquilaTokenizerJson());
  await copyFile(
    fixturePath('aquila-tokenizer', 'special_tokens_map.json'),
    join(checkpoint, 'special_tokens_map.json'),
  );
  const config = await convertCheckpoint({
    checkpoint,
    output: join(workspace.path, 'onnx'),
    precision: 'int8',
    generation: { stopTokenIds: [] },
  });
  expect(config.tokenizerFiles).toEqual(['tokenizer.json', 'special_tokens_map.json']);
  model = await LanguageModel.load({ path: join(workspace.path, 'onnx') });
});
afterAll(async () => {
  await model?.release();
  await workspace.remove();
});

describe('generation with the tokenizer files of the converted folder', () => {
  it('streams text through the streaming decoder, equal to decoding the ids and to the non-streamed text', async () => {
    const tokenizer = loaded().tokenizer;
    expect(tokenizer).toBeDefined();
    for (const seed of [1, 2, 3]) {
      const request = { prompt: '有多少辆汽车？', maxNewTokens: 24, temperature: 1, seed };
      let streamed = '';
      const ids: number[] = [];
      for await (const event of loaded().stream(request)) {
        streamed += event.text;
        if (event.type === 'token-delta') ids.push(event.tokenId);
      }
      expect(streamed).toBe(tokenizer?.decode(ids, { skipSpecialTokens: true }));
      expect(streamed).toBe((await loaded().generate(request)).text);
    }
  });
});

describe('the README example', () => {
  it('runs as written, on a tiny model over the Aquila vocabulary', async () => {
    const model = loaded();
    const promptIds = flagaiPromptIds({
      text: '请为下面的问题编写sql查询语句：\n有多少辆汽车？',
      tokenizer: model.tokenizer!,
    });
    let streamed = '';
    for await (const event of model.stream({ promptIds, ...flagaiStopRules, maxNewTokens: 128 }))
      streamed += event.text;
    const { text, tokenIds, finishReason } = await model.generate({
      prompt: 'select',
      temperature: 0.8,
      topP: 0.95,
      seed: 1,
    });
    expect(promptIds[0]).toBe(100006);
    expect(typeof streamed).toBe('string');
    expect(tokenIds.length).toBeGreaterThan(0);
    expect(text).toBe(model.tokenizer?.decode(tokenIds, { skipSpecialTokens: true }));
    expect(['stop', 'length']).toContain(finishReason);
  });
});

describe('FlagAI presets with the Aquila tokenizer', () => {
  it('build the ids FlagAI builds for the inference prompts (default path and chat template)', async () => {
    const tokenizer = await loadAquilaTokenizer();
    const { cases } = JSON.parse(
      await readFile(fixturePath('flagai', 'generated', 'inference-prompt-vectors.json'), 'utf8'),
    ) as {
      cases: {
        prompt: string;
        sft_false_ids: number[];
        sft_true_ids_max_token_256: number[];
        sft_true_ids_max_token_2048: number[];
      }[];
    };
    expect(cases.length).toBeGreaterThan(0);
    for (const item of cases) {
      expect(flagaiPromptIds({ text: item.prompt, tokenizer })).toEqual(item.sft_false_ids);
      expect(flagaiChatPromptIds({ text: item.prompt, tokenizer, maxTokens: 256 })).toEqual(
        item.sft_true_ids_max_token_256,
      );
      expect(flagaiChatPromptIds({ text: item.prompt, tokenizer, maxTokens: 2048 })).toEqual(
        item.sft_true_ids_max_token_2048,
      );
    }
  });
});
