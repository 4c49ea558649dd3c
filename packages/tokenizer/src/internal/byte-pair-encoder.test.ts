import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAquilaTokenizer } from '../load-aquila-tokenizer.js';
import type { Tokenizer } from '../tokenizer.js';
import type { BpeDefinition } from './bpe-definition.js';
import { BytePairEncoder } from './byte-pair-encoder.js';

/** The reference algorithm as in GPT-2 / FlagAI's Python: find the lowest-ranked pair, merge all its occurrences, repeat. */
const rankMaps = new WeakMap<BpeDefinition, Map<string, number>>();
function referenceBpe(definition: BpeDefinition, bytes: Uint8Array): number[] {
  let ranks = rankMaps.get(definition);
  if (ranks === undefined) {
    ranks = new Map<string, number>();
    for (let rank = definition.mergeLeft.length - 1; rank >= 0; rank--) ranks.set(`${definition.mergeLeft[rank]},${definition.mergeRight[rank]}`, rank);
    rankMaps.set(definition, ranks);
  }
  let word = Array.from(bytes, (byte) => definition.byteIds[byte] as number);
  for (;;) {
    let best = Infinity;
    for (let index = 0; index + 1 < word.length; index++) best = Math.min(best, ranks.get(`${word[index]},${word[index + 1]}`) ?? Infinity);
    if (best === Infinity) return word;
    const [left, right, result] = [definition.mergeLeft[best], definition.mergeRight[best], definition.mergeResult[best] as number];
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
      fc.constantFrom('a', 'ab', 'th', ' ', 'x').chain((unit) => fc.integer({ min: 1, max: 200 }).map((count) => unit.repeat(count))),
    );
    fc.assert(
      fc.property(piece, (text) => {
        const bytes = utf8.encode(text);
        expect(encode(bytes)).toEqual(referenceBpe(tokenizer.definition, bytes));
      }),
      { numRuns: 400 },
    );
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 120 }), (bytes) => void expect(encode(bytes)).toEqual(referenceBpe(tokenizer.definition, bytes))), { numRuns: 300 });
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
