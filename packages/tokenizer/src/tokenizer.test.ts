import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTestCorpus } from '../test/fixtures.js';
import { TokenIdError } from './errors.js';
import { loadAquilaTokenizer } from './load-aquila-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';

/** `String.prototype.toWellFormed` (ES2024): each lone surrogate becomes U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

describe('Tokenizer', () => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    tokenizer = await loadAquilaTokenizer();
  });
  afterAll(async () => {
    await tokenizer.close();
  });

  it('decodes what it encodes, for any string (lone surrogates come back as U+FFFD)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' })),
        (text) => {
          // Byte-level BPE is lossless on UTF-8. A JavaScript string may hold lone surrogates, which have no
          // UTF-8: they are encoded as U+FFFD (as HF does), so the round trip gives the well-formed string.
          expect(tokenizer.decode(tokenizer.encode(text, { parseSpecialTokens: false }))).toBe(wellFormed(text));
        },
      ),
      { numRuns: 2000 },
    );
    expect(tokenizer.encode('abc\ud800def')).toEqual([22061, 40100, 3196]);
    expect(tokenizer.decode([22061, 40100, 3196])).toBe('abc\ufffddef');
  });

  it('streams decoded text without U+FFFD for characters split over tokens, and joins to decode()', () => {
    const text = '你好🙂, e\u0301 👨‍👩‍👧 ok</s>';
    const ids = tokenizer.encode(text);
    const byteIds = [...new TextEncoder().encode('🙂中é')].map((byte) => tokenizer.definition.byteIds[byte] as number);
    for (const sequence of [ids, [28089, 248, 225], [...ids, 28089], byteIds]) {
      for (const skipSpecialTokens of [false, true]) {
        const decoder = tokenizer.createStreamingDecoder({ skipSpecialTokens });
        const parts = sequence.map((id) => decoder.push(id));
        parts.push(decoder.flush());
        expect(parts.join('')).toBe(tokenizer.decode(sequence, { skipSpecialTokens }));
        expect(parts.slice(0, -1).join('')).not.toContain('\ufffd');
      }
    }
    const decoder = tokenizer.createStreamingDecoder();
    expect([28089, 248, 225].map((id) => decoder.push(id))).toEqual(['', '', '🙂']);
  });

  it('streams any id sequence to the same text as decode()', () => {
    const id = fc.oneof(
      fc.integer({ min: 0, max: 100_007 }),
      fc.integer({ min: 1, max: 256 }),
      fc.constantFrom(28089, 248, 225, 100_006, 100_007, 0),
    );
    fc.assert(
      fc.property(fc.array(id, { maxLength: 30 }), (ids) => {
        const decoder = tokenizer.createStreamingDecoder();
        expect(ids.map((value) => decoder.push(value)).join('') + decoder.flush()).toBe(tokenizer.decode(ids));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects ids that are not ids of the tokenizer', () => {
    for (const bad of [-1, 100_008, 1.5, Number.NaN]) {
      expect(() => tokenizer.decode([5, bad])).toThrow(TokenIdError);
      expect(() => tokenizer.createStreamingDecoder().push(bad)).toThrow(TokenIdError);
    }
    expect(() => tokenizer.decode([5, 100_008])).toThrow(
      /Token id 100008 at index 1 is not an id of this tokenizer \(integers 0 to 100007\)/,
    );
  });

  it('looks tokens and ids up both ways', () => {
    expect([
      tokenizer.tokenToId('Ġthe'),
      tokenizer.tokenToId('</s>'),
      tokenizer.tokenToId('[SEP]'),
      tokenizer.tokenToId('no such token'),
    ]).toEqual([271, 100_007, 100_004, undefined]);
    expect([
      tokenizer.idToToken(271),
      tokenizer.idToToken(100_006),
      tokenizer.idToToken(0),
      tokenizer.idToToken(100_008),
    ]).toEqual(['Ġthe', '[CLS]', '<|endoftext|>', undefined]);
  });

  it('encodes a batch over worker threads exactly as one by one', async () => {
    const corpus = readTestCorpus().slice(0, 250); // above the size that goes to workers
    const expected = corpus.map((text) => tokenizer.encode(text, { addSpecialTokens: true }));
    const results = await tokenizer.encodeBatch(corpus, { threads: 2, addSpecialTokens: true });
    expect(results.length).toBe(corpus.length);
    expect(results).toEqual(expected);
    expect(await tokenizer.encodeBatch(['a</s>b'], { parseSpecialTokens: false, threads: 2 })).toEqual([
      tokenizer.encode('a</s>b', { parseSpecialTokens: false }),
    ]);
  });

  it('stops a batch when its signal aborts', async () => {
    const corpus = readTestCorpus().slice(0, 250); // above the size that goes to workers
    const controller = new AbortController();
    const batch = tokenizer.encodeBatch(corpus, { threads: 2, signal: controller.signal });
    // In this thread the batch would finish before abort() runs; it can only be stopped in workers.
    controller.abort(new Error('stop now'));
    await expect(batch).rejects.toThrow('stop now');
    await expect(tokenizer.encodeBatch(corpus.slice(0, 3), { signal: controller.signal })).rejects.toThrow('stop now');
    expect(await tokenizer.encodeBatch(corpus, { threads: 2 })).toEqual(corpus.map((text) => tokenizer.encode(text)));
  });
});
