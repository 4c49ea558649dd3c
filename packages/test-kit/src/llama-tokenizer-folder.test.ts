import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { llamaTokenizerFolder } from './llama-tokenizer-folder.js';

describe('llamaTokenizerFolder', () => {
  it("rebuilds Llama-2's vocabulary (ids known from Llama-2-7b-hf) and merges, with its tokenizer_config.json", async () => {
    const folder = await llamaTokenizerFolder();
    expect(await llamaTokenizerFolder()).toBe(folder);
    const json = JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8')) as {
      model: { vocab: Record<string, number>; merges: string[] };
    };
    const { vocab, merges } = json.model;
    expect(Object.keys(vocab)).toHaveLength(32000);
    expect(new Set(Object.values(vocab)).size).toBe(32000);
    expect([vocab['<unk>'], vocab['<s>'], vocab['</s>']]).toEqual([0, 1, 2]);
    for (let byte = 0; byte < 256; byte++)
      expect(vocab[`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`]).toBe(3 + byte);
    expect([vocab['▁the'], vocab['▁'], vocab.Hello, vocab['▁world']]).toEqual([278, 29871, 10994, 3186]);
    expect(merges).toHaveLength(61249);
    expect(merges.slice(0, 3)).toEqual(['▁ t', 'e r', 'i n']);
    const config = JSON.parse(await readFile(join(folder, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect([config.add_bos_token, config.add_eos_token, config.legacy]).toEqual([true, false, false]);
  });
});
