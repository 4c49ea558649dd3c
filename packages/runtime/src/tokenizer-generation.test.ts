import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAquilaTokenizer } from '@aquila/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { flagaiChatPromptIds, flagaiPromptIds } from './flagai-presets.js';
import { LanguageModel } from './language-model.js';
import { temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';

const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));

/** A complete tiny GPT-2 layout (the 256 byte symbols, a few merges, `<s>` and `<|endoftext|>`): 264 ids. */
function tinyVocabulary(): Record<string, number> {
  const vocabulary: Record<string, number> = { '<|endoftext|>': 0 };
  const symbols: string[] = [];
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    symbols.push(printable ? String.fromCharCode(byte) : '');
  }
  let next = 256;
  symbols.forEach((symbol, byte) => (symbols[byte] = symbol === '' ? String.fromCharCode(next++) : symbol));
  [...symbols].sort().forEach((symbol, index) => (vocabulary[symbol] = index + 1));
  for (const token of ['he', 'll', 'hell', 'hello', 'Ġw', 'Ġwo', '<s>']) vocabulary[token] = Object.keys(vocabulary).length;
  return vocabulary;
}

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
let model: LanguageModel | undefined;
const loaded = (): LanguageModel => model as LanguageModel;
beforeAll(async () => {
  workspace = await temporaryDirectory('tokenizer');
  const checkpoint = join(workspace.path, 'checkpoint');
  await writeRandomCheckpoint({ directory: checkpoint, shape: { ...tinyShapes.multiHead, vocabSize: 264 }, naming: 'hf', format: 'safetensors', seed: 3 });
  await writeFile(join(checkpoint, 'vocab.json'), JSON.stringify(tinyVocabulary()));
  await writeFile(join(checkpoint, 'merges.txt'), '#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ w\nĠw o\n');
  await writeFile(join(checkpoint, 'special_tokens_map.json'), JSON.stringify({ bos_token: '<s>', eos_token: '<|endoftext|>' }));
  const config = await convertCheckpoint({ checkpoint, output: join(workspace.path, 'onnx'), generation: { stopTokenIds: [] } });
  expect(config.tokenizerFiles).toEqual(['vocab.json', 'merges.txt', 'special_tokens_map.json']);
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
      const request = { prompt: 'hello world', maxNewTokens: 24, temperature: 1, seed };
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

describe('FlagAI presets with the Aquila tokenizer', () => {
  it('build the ids FlagAI builds for the inference prompts (default path and chat template)', async () => {
    const tokenizer = await loadAquilaTokenizer();
    const { cases } = JSON.parse(await readFile(join(fixtures, 'flagai/generated/inference-prompt-vectors.json'), 'utf8')) as {
      cases: { prompt: string; sft_false_ids: number[]; sft_true_ids_max_token_256: number[]; sft_true_ids_max_token_2048: number[] }[];
    };
    expect(cases.length).toBeGreaterThan(0);
    for (const item of cases) {
      expect(flagaiPromptIds({ text: item.prompt, tokenizer })).toEqual(item.sft_false_ids);
      expect(flagaiChatPromptIds({ text: item.prompt, tokenizer, maxTokens: 256 })).toEqual(item.sft_true_ids_max_token_256);
      expect(flagaiChatPromptIds({ text: item.prompt, tokenizer, maxTokens: 2048 })).toEqual(item.sft_true_ids_max_token_2048);
    }
  });
});
