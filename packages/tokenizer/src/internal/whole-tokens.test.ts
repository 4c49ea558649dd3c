import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf16Length } from './whole-tokens.js';

const strict = new TextDecoder('utf-8', { fatal: true });

/** The slow reference: a fatal TextDecoder, and the length of what it decodes. */
function referenceLength(bytes: Uint8Array): number {
  try {
    return strict.decode(bytes).length;
  } catch {
    return -1;
  }
}

describe('utf16Length', () => {
  it('accepts exactly the UTF-8 a fatal TextDecoder accepts, and counts its UTF-16 units', () => {
    const utf8 = new TextEncoder();
    // Random bytes are mostly invalid; encoded strings and lead bytes with chosen continuations cover the valid and the edge cases.
    const lead = fc.constantFrom(0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf3, 0xf4, 0xf5, 0xff);
    const continuation = fc.constantFrom(0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0);
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 12 }).map((text) => utf8.encode(text)),
      fc.tuple(lead, fc.array(continuation, { maxLength: 4 })).map(([first, rest]) => Uint8Array.from([first, ...rest])),
    );
    fc.assert(fc.property(bytes, (value) => void expect(utf16Length(value, 0, value.length)).toBe(referenceLength(value))), { numRuns: 5000 });
  });
});
