import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StopStringMatcher } from './stop-string-matcher.js';

describe('StopStringMatcher', () => {
  it('holds back a partial stop string and cuts at the first stop', () => {
    const matcher = new StopStringMatcher(['###', '[UNK]']);
    expect(matcher.push('SELECT a #')).toEqual({ text: 'SELECT a ', stopped: false });
    expect(matcher.push('#')).toEqual({ text: '', stopped: false });
    expect(matcher.push('x')).toEqual({ text: '##x', stopped: false });
    expect(matcher.push(' FROM t[UN')).toEqual({ text: ' FROM t', stopped: false });
    expect(matcher.push('K]rest')).toEqual({ text: '', stopped: true });
  });

  it('cuts at the earliest stop among those completed, even when a longer one started earlier', () => {
    const matcher = new StopStringMatcher(['abc', 'b']);
    expect(matcher.push('ab')).toEqual({ text: 'a', stopped: true });
  });

  it('emits, over any chunking, exactly the text before the first stop string, never retracting', () => {
    const alphabet = fc.constantFrom('a', 'b', '#', '<', '/', ' ');
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: alphabet, maxLength: 4 }), { maxLength: 12 }),
        fc.array(fc.string({ unit: alphabet, minLength: 1, maxLength: 3 }), { maxLength: 3 }),
        (chunks, stops) => {
          // Generation ends after the first chunk that completes a stop string; the text is cut at the
          // earliest stop occurrence in what has arrived by then.
          let text = '';
          let firstStop = Infinity;
          for (const chunk of chunks) {
            text += chunk;
            firstStop = Math.min(...stops.map((stop) => text.indexOf(stop)).filter((index) => index >= 0), Infinity);
            if (Number.isFinite(firstStop)) break;
          }
          const expected = Number.isFinite(firstStop) ? text.slice(0, firstStop) : text;
          const matcher = new StopStringMatcher(stops);
          let emitted = '';
          let stopped = false;
          for (const chunk of chunks) {
            const result = matcher.push(chunk);
            emitted += result.text;
            expect(expected.startsWith(emitted)).toBe(true);
            if (result.stopped) {
              stopped = true;
              break;
            }
          }
          if (!stopped) emitted += matcher.flush();
          expect(emitted).toBe(expected);
          expect(stopped).toBe(Number.isFinite(firstStop));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
