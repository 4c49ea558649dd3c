import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { preTokenize } from './pre-tokenize.js';

// The GPT-2 pattern as a RegExp, with \s spelled out as Unicode White_Space (what Python `regex` and
// Oniguruma mean; JavaScript's \s lacks U+0085 and adds U+FEFF). The slow, obviously-right reference.
const whiteSpace = String.raw`\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const gpt2Pattern = new RegExp(
  String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^${whiteSpace}\p{L}\p{N}]+|[${whiteSpace}]+(?![^${whiteSpace}])|[${whiteSpace}]+`,
  'gu',
);

function regexPieces(text: string): string[] {
  return [...text.matchAll(gpt2Pattern)].map((match) => match[0]);
}

const interesting = fc.constantFrom(
  ...[
    ' ',
    '  ',
    '\n',
    '\r',
    '\t',
    '\v',
    '\f',
    '\u0085',
    '\u00a0',
    '\u1680',
    '\u2000',
    '\u200a',
    '\u2028',
    '\u202f',
    '\u205f',
    '\u3000',
    '\ufeff',
    '\u200b',
  ],
  ...["'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'r", "'l"],
  ...['a', 'Z', 'é', 'ß', '中', '文', 'ﾃ', 'ـ', '𝐀', '𠀀', '1', '٣', '²', '½', 'Ⅻ', '𝟘'],
  ...['!', '.', '，', '。', '🙂', '‍', '\u0301', '$', '\u0000', '\ud800', '\udc00', '\ud83d\ude42'],
);

describe('the hand-written GPT-2 pre-tokenizer', () => {
  it('splits like the regex on generated text', () => {
    const text = fc.oneof(
      fc.array(interesting, { maxLength: 40 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
    );
    fc.assert(
      fc.property(text, (value) => {
        expect(preTokenize(value)).toEqual(regexPieces(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('uses Unicode White_Space for \\s, not JavaScript’s', () => {
    expect(preTokenize('x!\u0085!y !\ufeff!')).toEqual(['x', '!', '\u0085', '!', 'y', ' !\ufeff!']);
  });

  it('keeps contractions case-sensitive and gives the last space of a run to the next word', () => {
    expect(preTokenize("IT'S it's  a\n\nfoo")).toEqual(['IT', "'", 'S', ' it', "'s", ' ', ' a', '\n', '\n', 'foo']);
  });
});
