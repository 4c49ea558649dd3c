import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aquilaTokenizerJson } from '@aquila/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readTestCorpus } from '../test/fixtures.js';
import { loadAquilaTokenizer } from './load-aquila-tokenizer.js';
import { loadTokenizer } from './load-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';
import { writeTokenizerFiles } from './write-tokenizer-files.js';

let directory: string;
let reconstructedTokenizerJson: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-write-tokenizer-'));
  await mkdir(join(directory, 'reconstructed'));
  reconstructedTokenizerJson = join(directory, 'reconstructed', 'tokenizer.json');
  await writeFile(reconstructedTokenizerJson, aquilaTokenizerJson());
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const texts = [
  ...readTestCorpus().filter((_, index) => index % 40 === 0),
  'a </s> b [CLS]x<|endoftext|>',
  '  spaces\tand\r\nlines  ',
  '表名为singer 😀',
];

function expectSameTokenizer(written: Tokenizer, source: Tokenizer): void {
  expect([written.vocabSize, written.bosTokenId, written.eosTokenId]).toEqual([
    source.vocabSize,
    source.bosTokenId,
    source.eosTokenId,
  ]);
  for (const text of texts) {
    const ids = source.encode(text);
    expect(written.encode(text)).toEqual(ids);
    expect(written.decode(ids)).toBe(source.decode(ids));
  }
}

it('writes a Hugging Face tokenizer.json that loads back to the same ids', async () => {
  const source = await loadTokenizer({ path: reconstructedTokenizerJson });
  const folder = join(directory, 'hugging-face');
  const written = await writeTokenizerFiles({ tokenizer: source, directory: folder });
  expect((await readdir(folder)).sort()).toEqual(['special_tokens_map.json', 'tokenizer.json']);
  expect(written.sort()).toEqual(['special_tokens_map.json', 'tokenizer.json']);
  expectSameTokenizer(await loadTokenizer({ path: folder }), source);
});

it("writes Aquila's shipped tokenizer so that a checkpoint folder carries it", async () => {
  const source = await loadAquilaTokenizer({ specialTokens: 'huggingface' });
  const folder = join(directory, 'aquila');
  await writeTokenizerFiles({ tokenizer: source, directory: folder });
  const written = await loadTokenizer({ path: folder });
  expectSameTokenizer(written, source);
  // FlagAI's spellings: the special tokens keep their ids, and BOS/EOS their names.
  const flagai = await loadAquilaTokenizer();
  expect(written.encode('[CLS]select</s>')).toEqual(flagai.encode('[CLS]select</s>'));
  expect([written.idToToken(100_006), written.idToToken(100_007)]).toEqual(['[CLS]', '</s>']);
});

it('stops before writing when its signal has aborted', async () => {
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  await expect(
    writeTokenizerFiles({
      tokenizer: await loadAquilaTokenizer(),
      directory: join(directory, 'never'),
      signal: controller.signal,
    }),
  ).rejects.toThrow('stop');
  await expect(readdir(join(directory, 'never'))).rejects.toThrow();
});

it('lets two writers share a folder: each writes its own temporary files, and none is left behind', async () => {
  const folder = join(directory, 'concurrent');
  const [aquila, huggingFace] = await Promise.all([
    loadAquilaTokenizer(),
    loadAquilaTokenizer({ specialTokens: 'huggingface' }),
  ]);
  await Promise.all([
    writeTokenizerFiles({ tokenizer: aquila, directory: folder }),
    writeTokenizerFiles({ tokenizer: huggingFace, directory: folder }),
  ]);
  expect((await readdir(folder)).sort()).toEqual(['special_tokens_map.json', 'tokenizer.json']);
  expect((await loadTokenizer({ path: folder })).vocabSize).toBe(100_008);
});
