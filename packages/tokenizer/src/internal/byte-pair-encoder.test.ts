import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAquilaTokenizer } from '../load-aquila-tokenizer.js';
import type { Tokenizer } from '../tokenizer.js';
import type { BpeDefinition } from './bpe-definition.js';
import { buildDefinition } from './build-definition.js';
import { byteToCharacter } from './byte-level.js';
import { BytePairEncoder } from './byte-pair-encoder.js';

/** The reference algorithm as in GPT-2 / FlagAI's Python: find the lowest-ranked pair, merge all its occurrences, repeat. */
const rankMaps = new WeakMap<BpeDefinition, Map<string, number>>();
function referenceBpe(definition: BpeDefinition, bytes: Uint8Array): number[] {
  let ranks = rankMaps.get(definition);
  if (ranks === undefined) {
    ranks = new Map<string, number>();
    for (let rank = definition.mergeLeft.length - 1; rank >= 0; rank--)
      ranks.set(`${definition.mergeLeft[rank]},${definition.mergeRight[rank]}`, rank);
    rankMaps.set(definition, ranks);
  }
  let word = Array.from(bytes, (byte) => definition.byteIds[byte] as number);
  for (;;) {
    let best = Infinity;
    for (let index = 0; index + 1 < word.length; index++)
      best = Math.min(best, ranks.get(`${word[index]},${word[index + 1]}`) ?? Infinity);
    if (best === Infinity) return word;
    const [left, right, result] = [
      definition.mergeLeft[best],
      definition.mergeRight[best],
      definition.mergeResult[best] as number,
    ];
    const merged: number[] = [];
    for (let index = 0; index < word.length; index++) {
      if (word[index] === left && word[index + 1] === right && index + 1 < word.length) {
        merged.push(result);
        index++;
      } else {
        merged.push(word[index] as number);
      }
    }
    word = merged;
  }
}

/** TextEncoder writes a lone surrogate as U+FFFD, as the tokenizer does. */
const utf8 = new TextEncoder();

/**
 * A GPT-2-style vocabulary trained by BPE on `corpus` without pre-tokenization: each step merges the most
 * frequent adjacent pair (ties by `choices`), so merges of parts of different characters ("crossing" ones,
 * such as " " + 0xE4) fall between the merges that complete characters, at any rank.
 */
function trainedDefinition(corpus: string[], choices: number[]): BpeDefinition {
  const symbol = (byte: number): string => String.fromCharCode(byteToCharacter[byte] as number);
  const vocabulary = new Map<string, number>();
  for (let byte = 0; byte < 256; byte++) vocabulary.set(symbol(byte), byte);
  let words = corpus.map((text) => Array.from(utf8.encode(text), symbol));
  const merges: Array<{ left: string; right: string; where: string }> = [];
  for (const choice of choices) {
    const counts = new Map<string, number>();
    for (const word of words)
      for (let index = 0; index + 1 < word.length; index++)
        counts.set(
          `${word[index]}\u0000${word[index + 1]}`,
          (counts.get(`${word[index]}\u0000${word[index + 1]}`) ?? 0) + 1,
        );
    const most = Math.max(0, ...counts.values());
    const tied = [...counts].filter(([, count]) => count === most);
    if (tied.length === 0) break;
    const [left, right] = (tied[choice % tied.length] as [string, number])[0].split('\u0000') as [string, string];
    if (!vocabulary.has(left + right)) vocabulary.set(left + right, vocabulary.size);
    merges.push({ left, right, where: `merge ${merges.length}` });
    words = words.map((word) => {
      const merged: string[] = [];
      for (let index = 0; index < word.length; index++) {
        if (word[index] === left && word[index + 1] === right) {
          merged.push(left + right);
          index++;
        } else {
          merged.push(word[index] as string);
        }
      }
      return merged;
    });
  }
  return buildDefinition({
    vocabulary,
    merges,
    vocabularyFile: 'trained',
    addedTokens: [],
    stripWhiteSpace: 'unicode',
    addPrefixSpace: false,
    specialTokenNames: {},
  });
}

describe('BytePairEncoder', () => {
  let tokenizer: Tokenizer;
  let encoder: BytePairEncoder;
  beforeAll(async () => {
    tokenizer = await loadAquilaTokenizer();
    encoder = new BytePairEncoder(tokenizer.definition);
  });
  const encode = (bytes: Uint8Array): number[] => {
    const out: number[] = [];
    encoder.encode(bytes, bytes.length, out);
    return out;
  };

  it('merges like the reference algorithm, on short (scan) and long (heap) pieces', () => {
    const utf8 = new TextEncoder();
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 150 }),
      fc.stringMatching(/^[\u4e00-\u4e2f的是了一]{1,80}$/),
      fc
        .constantFrom('a', 'ab', 'th', ' ', 'x')
        .chain((unit) => fc.integer({ min: 1, max: 200 }).map((count) => unit.repeat(count))),
    );
    fc.assert(
      fc.property(piece, (text) => {
        const bytes = utf8.encode(text);
        expect(encode(bytes)).toEqual(referenceBpe(tokenizer.definition, bytes));
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 120 }),
        (bytes) => void expect(encode(bytes)).toEqual(referenceBpe(tokenizer.definition, bytes)),
      ),
      { numRuns: 300 },
    );
  });

  it('starts from whole characters only where that gives the reference ids (Aquila)', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
      fc.stringMatching(/^ ?[\u4e00-\u9fff的是了一，。а-яё ]{1,50}$/),
    );
    fc.assert(
      fc.property(text, (value) => {
        const ids: number[] = [];
        if (encoder.encodeText(value, 0, value.length, ids))
          expect(ids).toEqual(referenceBpe(tokenizer.definition, utf8.encode(value)));
        else expect(ids).toEqual([]);
      }),
      { numRuns: 1500 },
    );
    // Chinese and most other text take this path; Cyrillic does not: " " + 0xD0 merges before 0xD0 + 0xBF ("п").
    for (const value of ['我们有多少歌手', ' 中文', ' “quoted”', 'é']) {
      const ids: number[] = [];
      expect(encoder.encodeText(value, 0, value.length, ids)).toBe(true);
      expect(ids).toEqual(referenceBpe(tokenizer.definition, utf8.encode(value)));
    }
    expect(encoder.encodeText(' привет', 0, 7, [])).toBe(false);
  });

  it('starts from whole characters only where that gives the reference ids (trained vocabularies)', () => {
    const characters = ['a', 'b', ' ', 'é', 'ж', '中', '文', '🙂', '\ud800'];
    const text = fc
      .array(fc.constantFrom(...characters), { minLength: 1, maxLength: 10 })
      .map((parts) => parts.join(''));
    let fast = 0;
    let declined = 0;
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.array(text, { minLength: 1, maxLength: 6 }),
        (corpus, choices, texts) => {
          const definition = trainedDefinition(corpus, choices);
          const trained = new BytePairEncoder(definition);
          for (const value of [...corpus, ...texts]) {
            const ids: number[] = [];
            if (!trained.encodeText(value, 0, value.length, ids)) {
              declined++;
              continue;
            }
            fast++;
            expect(ids).toEqual(referenceBpe(definition, utf8.encode(value)));
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(fast).toBeGreaterThan(300);
    expect(declined).toBeGreaterThan(30);
  });

  it('turns every multi-byte token’s own bytes back into that token', () => {
    const { tokenBytes, tokenOffsets, mergeResult } = tokenizer.definition;
    for (const id of mergeResult) {
      const bytes = tokenBytes.subarray(tokenOffsets[id], tokenOffsets[id + 1]);
      const ids = encode(bytes);
      if (ids.length !== 1 || ids[0] !== id) expect({ id, ids }).toEqual({ id, ids: [id] });
    }
  });
});
