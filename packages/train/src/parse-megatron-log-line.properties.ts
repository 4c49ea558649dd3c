// Properties of the Megatron log line parser (rank logs a run writes, read by status and follow), run in a worker
// with a wall-clock limit (parse-megatron-log-line.test.ts).
import fc from 'fast-check';
import { parseMegatronLogLine } from './parse-megatron-log-line.js';

const logUnit = fc.constantFrom(
  ' ',
  '  ',
  '|',
  ' | ',
  ':',
  ': ',
  '/',
  '[',
  ']',
  '1',
  '42',
  '9999999999',
  '.',
  'E+01',
  '-',
  'nan',
  'inf',
  'a',
  'é',
  '\t',
  '\r',
  'iteration',
  'iteration ',
  ' iteration 3/ 10 |',
  'validation loss at iteration',
  ' on validation set',
  'successfully saved checkpoint from iteration',
  ' at iteration',
  ' to ',
  'lm loss',
  'learning rate',
  'grad norm',
  'global batch size',
  'elapsed time per iteration (ms)',
  'consumed samples',
  '[2025-01-01 00:00:01]',
  '[default0]:',
);

export function anyLineGivesAnEventOrNothing(): void {
  fc.assert(
    fc.property(
      fc.string({ unit: logUnit, maxLength: 60 }),
      fc.option(fc.integer({ min: 1, max: 1 << 16 }), { nil: undefined }),
      (line, sequenceLength) => {
        const event = parseMegatronLogLine({ line, ...(sequenceLength === undefined ? {} : { sequenceLength }) });
        if (event === undefined) return;
        if (
          !['iteration', 'validation', 'checkpoint'].includes(event.type) ||
          !Number.isSafeInteger(event.iteration) ||
          event.iteration < 0
        ) {
          throw new Error(`a malformed event ${JSON.stringify(event)} from ${JSON.stringify(line)}`);
        }
      },
    ),
    { numRuns: 10_000 },
  );
}

/** A long line without the parts a pattern needs must not make the patterns backtrack for long. */
export function longLinesAreQuick(): void {
  fc.assert(
    fc.property(
      fc.constantFrom(
        'validation loss at iteration 1 ',
        'iteration 1/ ',
        ' | lm loss: ',
        'successfully saved checkpoint at iteration 7 ',
      ),
      fc.integer({ min: 1000, max: 20_000 }),
      (piece, count) => {
        const started = performance.now();
        parseMegatronLogLine({ line: piece.repeat(count) });
        const elapsed = performance.now() - started;
        if (elapsed > 2000) throw new Error(`${count} × ${JSON.stringify(piece)} took ${elapsed.toFixed(0)} ms`);
      },
    ),
    { numRuns: 20 },
  );
}
