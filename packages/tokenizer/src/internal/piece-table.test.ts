import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashPiece, missingPiece, PieceTable } from './piece-table.js';

describe('PieceTable', () => {
  it('answers like a Map for pieces looked up inside larger strings, until full, and after clear', () => {
    // Few distinct units so that pieces repeat and share hash buckets; a small table so that it fills.
    const piece = fc.string({ unit: fc.constantFrom('a', 'b', '中', '\ud83d', '\ude42'), minLength: 1, maxLength: 6 });
    const operation = fc.oneof(
      {
        weight: 9,
        arbitrary: fc.tuple(fc.string({ maxLength: 3 }), piece, fc.string({ maxLength: 3 }), fc.nat({ max: 1000 })),
      },
      { weight: 1, arbitrary: fc.constant('clear' as const) },
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
        const table = new PieceTable(24, 60);
        const reference = new Map<string, number>();
        let unitsUsed = 0;
        for (const step of operations) {
          if (step === 'clear') {
            table.clear();
            reference.clear();
            unitsUsed = 0;
            continue;
          }
          const [before, key, after, value] = step;
          const text = before + key + after;
          const start = before.length;
          const end = start + key.length;
          const hash = hashPiece(text, start, end);
          expect(table.get(text, start, end, hash)).toBe(reference.get(key) ?? missingPiece);
          if (reference.has(key)) continue;
          const added = table.set(text, start, end, hash, value);
          expect(added).toBe(reference.size < Math.floor(32 / 1.34) && unitsUsed + key.length <= 60);
          if (added) {
            reference.set(key, value);
            unitsUsed += key.length;
          }
          expect(table.size).toBe(reference.size);
        }
      }),
      { numRuns: 300 },
    );
  });
});
