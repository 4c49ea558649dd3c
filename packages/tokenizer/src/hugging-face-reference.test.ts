import { aquilaTokenizerJson } from '@aquila/test-kit';
import fc from 'fast-check';
import { Tokenizer as HuggingFaceTokenizer } from 'tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { aquilaFolder, readTestCorpus } from '../test/fixtures.js';
import { loadAquilaTokenizer } from './load-aquila-tokenizer.js';
import { loadTokenizer } from './load-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';

const specials = [
  '<|endoftext|>',
  '<|startofpiece|>',
  '<|endofpiece|>',
  '<|LDWANG|>',
  '[MASK]',
  '[gMASK]',
  '[sMASK]',
  '[CLS]',
  '</s>',
];

/** Hand-picked trouble: the cases where a naive port goes wrong. */
const adversarial = [
  '',
  ' ',
  'x!\u0085!y !\ufeff!',
  '\u00a0a\u2028b\u3000c\u205f d\u1680e',
  'a  b   c\t\td\n\n\nfoo\r\n\r\nbar  \n  ',
  "IT'S it's 'S 'll'LL 're've'm'd 'x ''s !'s",
  '👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🙂🙂 e\u0301 a\u200db',
  '，。？：“”《》【】、；！——……～',
  '中文English混合123数字٣٤٥ ①② Ⅻ ¼ 𝟘𝟙',
  '𝐀𝐁𝐂 𠀀𠀁 𝔘𝔫𝔦 ꙮ 한국어 日本語のテキスト',
  '3.14159 1234567890123 -42 1,000,000 0x1F 1e-9',
  `${' '.repeat(40)}x${'\t'.repeat(9)}y${'\n'.repeat(7)}`,
  'a'.repeat(3000),
  '的'.repeat(700),
  'Supercalifragilisticexpialidocious'.repeat(30),
  'abc\ud800def \udc00x \ud83d',
  '\u0000\u0001\u001f\u007f\u0080\u00ad\u00ff',
  specials.join(''),
  specials.join(' '),
  specials.map((token) => ` ${token}a${token}\n${token}`).join('  '),
  '<|endoftext|<|endoftext|>>[[CLS]]</s</s>>',
];

describe('Aquila against Hugging Face tokenizers (Rust)', () => {
  let reference: HuggingFaceTokenizer;
  let tokenizer: Tokenizer;
  const referenceIds = async (text: string): Promise<number[]> =>
    (await reference.encode(text, null, { addSpecialTokens: false })).getIds();

  beforeAll(async () => {
    reference = HuggingFaceTokenizer.fromString(aquilaTokenizerJson());
    tokenizer = await loadAquilaTokenizer({ specialTokens: 'huggingface' });
  });

  it('gives the same ids on every 5th document of the test corpus (the bench checks the whole benchmark corpus)', async () => {
    const corpus = readTestCorpus().filter((_, index) => index % 5 === 0);
    const expected = await reference.encodeBatch(corpus, { addSpecialTokens: false });
    const mismatches: number[] = [];
    corpus.forEach((document, index) => {
      const ids = tokenizer.encode(document);
      const want = expected[index]?.getIds() ?? [];
      if (ids.length !== want.length || ids.some((id, position) => id !== want[position])) mismatches.push(index);
    });
    expect(mismatches).toEqual([]);
  });

  it.each(adversarial.map((text) => [JSON.stringify(text).slice(0, 60), text] as const))(
    'gives the same ids on %s',
    async (_, text) => {
      expect(tokenizer.encode(text)).toEqual(await referenceIds(text));
    },
  );

  it('puts every special token at every position like HF', async () => {
    for (const special of specials) {
      for (const text of [
        `${special}`,
        `${special}abc`,
        `abc${special}`,
        `a ${special} b`,
        `a\n${special}\nb`,
        `${special}${special}`,
        `中${special}文`,
      ]) {
        expect(tokenizer.encode(text), text).toEqual(await referenceIds(text));
      }
    }
  });

  it('gives the same ids on generated text of every character class', async () => {
    const pieces = fc.oneof(
      fc.constantFrom(
        ' ',
        '  ',
        '\n',
        '\r\n',
        '\t',
        '\u00a0',
        '\u0085',
        '\u3000',
        "'s",
        "'ll",
        "'",
        '!',
        '，',
        '。',
        '1',
        '٣',
        '²',
        'Ⅻ',
        '🙂',
        '‍',
        '\ud800',
        '\udfff',
      ),
      fc.constantFrom(...specials),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
      fc.string({ unit: 'binary', maxLength: 4 }),
      fc.stringMatching(/^[a-zA-Z]{1,12}$/),
      fc.stringMatching(/^[\u4e00-\u4e2f]{1,20}$/),
    );
    const texts = fc.sample(
      fc.array(pieces, { maxLength: 30 }).map((parts) => parts.join('')),
      { numRuns: 400, seed: 1234 },
    );
    const expected = await reference.encodeBatch(texts, { addSpecialTokens: false });
    texts.forEach((text, index) =>
      expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(expected[index]?.getIds()),
    );
  });

  it('gives the same ids loaded from vocab.json + merges.txt as from the shipped copy', async () => {
    // (load-tokenizer.test.ts loads the tokenizer.json.)
    const fromFolder = await loadTokenizer({ path: aquilaFolder });
    const text = `${adversarial.join('|')}${specials.join(' ')}`;
    expect(fromFolder.encode(text)).toEqual(tokenizer.encode(text));
    expect(fromFolder.vocabSize).toBe(100_008);
    expect([fromFolder.bosTokenId, fromFolder.eosTokenId, fromFolder.padTokenId]).toEqual([100_006, 100_007, 0]);
    // Buffer.equals: vitest's deep equality walks typed arrays element by element, for seconds.
    const same = (left: ArrayBufferView, right: ArrayBufferView): boolean =>
      Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(
        Buffer.from(right.buffer, right.byteOffset, right.byteLength),
      );
    for (const field of ['tokenBytes', 'tokenOffsets', 'mergeLeft', 'mergeRight', 'mergeResult', 'byteIds'] as const) {
      expect(same(fromFolder.definition[field], tokenizer.definition[field]), field).toBe(true);
    }
  });

  it('decodes like HF', async () => {
    const ids = tokenizer.encode(adversarial.join(' '));
    expect(tokenizer.decode(ids)).toBe(await reference.decode(ids, false));
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(await reference.decode(ids, true));
  });
});
