import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonFixture } from '../test/fixtures.js';
import { loadAquilaTokenizer } from './load-aquila-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';

interface TokenizerVectors {
  num_tokens: number;
  token_start_id: number;
  token_end_id: number;
  encode_plus: Array<{ text: string; tokens: string[]; input_ids: number[]; decode_all: string; decode_inner: string }>;
  decode: Array<{ ids: number[]; text: string }>;
}

interface PromptVectors {
  cases: Array<{
    prompt: string;
    sft_false_ids: number[];
    sft_false_model_in: string;
    sft_true_ids_max_token_2048: number[];
    sft_true_model_in_2048: string;
  }>;
}

const vectors = readJsonFixture<TokenizerVectors>('flagai', 'generated', 'tokenizer-vectors.json');
const prompts = readJsonFixture<PromptVectors>('flagai', 'generated', 'inference-prompt-vectors.json');

describe('Aquila against the ids FlagAI produced', () => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    tokenizer = await loadAquilaTokenizer();
  });

  it('has FlagAI’s vocabulary size and BOS/EOS/pad ids', () => {
    expect([tokenizer.vocabSize, tokenizer.bosTokenId, tokenizer.eosTokenId, tokenizer.padTokenId]).toEqual([
      vectors.num_tokens,
      vectors.token_start_id,
      vectors.token_end_id,
      0,
    ]);
  });

  it.each(vectors.encode_plus.map((entry) => [JSON.stringify(entry.text), entry] as const))(
    'encode_plus(%s)',
    (_, entry) => {
      expect(tokenizer.encode(entry.text, { addSpecialTokens: true })).toEqual(entry.input_ids);
      expect(tokenizer.encode(entry.text)).toEqual(entry.input_ids.slice(1, -1));
      expect(entry.input_ids.slice(1, -1).map((id) => tokenizer.idToToken(id))).toEqual(
        entry.tokens.map((token) => (token === '[UNK]' ? '<|endoftext|>' : token === '[SEP]' ? '[gMASK]' : token)),
      );
      expect(tokenizer.decode(entry.input_ids)).toBe(entry.decode_all);
      expect(tokenizer.decode(entry.input_ids.slice(1, -1))).toBe(entry.decode_inner);
    },
  );

  it.each(vectors.decode.map((entry) => [JSON.stringify(entry.ids), entry] as const))('decode(%s)', (_, entry) => {
    expect(tokenizer.decode(entry.ids)).toBe(entry.text);
  });

  it.each(prompts.cases.map((entry, index) => [index, entry] as const))('AquilaSQL inference prompt %i', (_, entry) => {
    // predict() with sft=false: encode_plus of the prompt with newline runs collapsed, EOS dropped.
    expect(tokenizer.encode(entry.prompt.replace(/\n+/g, '\n'), { addSpecialTokens: true }).slice(0, -1)).toEqual(
      entry.sft_false_ids,
    );
    expect(tokenizer.decode(entry.sft_false_ids)).toBe(entry.sft_false_model_in);
    // The chat template path: the ids of the templated text, which is what the model saw.
    expect(tokenizer.encode(entry.sft_true_model_in_2048)).toEqual(entry.sft_true_ids_max_token_2048);
    expect(tokenizer.decode(entry.sft_true_ids_max_token_2048)).toBe(entry.sft_true_model_in_2048);
  });

  it('keeps special-token strings as text when asked (untrusted input)', () => {
    const ids = tokenizer.encode('stop</s> [CLS]', { parseSpecialTokens: false });
    expect(ids).not.toContain(100007);
    expect(ids).not.toContain(100006);
    expect(tokenizer.decode(ids)).toBe('stop</s> [CLS]');
    expect(tokenizer.encode('stop</s> [CLS]')).toEqual([...tokenizer.encode('stop'), 100007, 100006]);
  });

  it('skips special tokens on request', () => {
    expect(tokenizer.decode([100006, 22299, 3117, 100007, 0], { skipSpecialTokens: true })).toBe('Hello world');
  });
});
