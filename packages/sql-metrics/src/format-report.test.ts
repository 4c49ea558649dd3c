import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ItemVerdict, SummaryBuilder } from './evaluation-summary.js';
import { formatReport, formatReportExtras } from './format-report.js';
import { pythonFixed } from './internal/python-text.js';

// Python's '%.Nf' worked out from the double's exact binary value with BigInt: mantissa × 2^exponent, times 10^N,
// rounded half to even.
function exactFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const mantissa = biased === 0 ? bits & ((1n << 52n) - 1n) : (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  let numerator = mantissa * 10n ** BigInt(digits);
  let denominator = 1n;
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  let quotient = numerator / denominator;
  const twice = 2n * (numerator % denominator);
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) quotient += 1n;
  const text = quotient.toString().padStart(digits + 1, '0');
  return `${bits >> 63n === 1n ? '-' : ''}${digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`}`;
}

function summaryOf(matched: number, total: number): ReturnType<SummaryBuilder['finish']> {
  const builder = new SummaryBuilder('exec');
  for (let index = 0; index < total; index += 1) {
    const item: ItemVerdict = {
      i: index,
      db_id: 'd',
      hardness: 'easy',
      pred_parsed: true,
      pred_runs: true,
      gold: '',
      pred: '',
      exec: index < matched ? 1 : 0,
    };
    builder.add(item, true);
  }
  return builder.finish();
}

describe('the official table', () => {
  it('prints 63/80, 49/80 and 69/80 as Python prints their doubles: 0.787, 0.613, 0.863 (not as exact halves)', () => {
    expect(formatReport({ summary: summaryOf(63, 80) })).toContain('execution            0.787');
    expect(formatReport({ summary: summaryOf(49, 80) })).toContain('execution            0.613');
    expect(formatReport({ summary: summaryOf(69, 80) })).toContain('execution            0.863');
  });

  it("formats every double as Python's '%.Nf' does", () => {
    const ties = fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((value) => value / 16);
    const fractions = fc
      .tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }))
      .map(([a, b]) => a / b);
    const value = fc.oneof(
      fc.double(),
      ties,
      fractions,
      fc.constantFrom(0.0005, 0.0015, 0.0625, 0.1875, 2.5, 1e21, 1.5e300, -0, 5e-324, 0.7875, 0.6125, 0.8625),
    );
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), (number, digits) => {
        expect(pythonFixed(number, digits)).toBe(exactFixed(number, digits));
      }),
      { numRuns: 50_000 },
    );
    expect(pythonFixed(0.0625, 3)).toBe('0.062');
    expect(pythonFixed(-0, 3)).toBe('-0.000');
  });

  it('says n/a for a rate of nothing: no prediction run, no question', () => {
    const builder = new SummaryBuilder('match');
    builder.add({ i: 0, db_id: 'd', hardness: 'easy', pred_parsed: true, pred_runs: false, gold: '', pred: '' }, false);
    const summary = builder.finish();
    expect(summary.rates.runs).toBeUndefined();
    expect(formatReportExtras({ summary })).toContain(
      'runs without error   0/1 = n/a (no prediction was run: no database files)',
    );
    expect(formatReportExtras({ summary })).toContain('parsed (Spider)      1/1 = 1.000');
    expect(formatReportExtras({ summary: new SummaryBuilder('all').finish() })).toContain(
      'parsed (Spider)      0/0 = n/a',
    );
  });
});
