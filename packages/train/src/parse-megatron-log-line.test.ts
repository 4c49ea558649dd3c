import { checkPropertyInWorker } from '@aquila/test-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMegatronLogLine } from './parse-megatron-log-line.js';

describe('parseMegatronLogLine', () => {
  it('reads the iteration line of current Megatron/FlagScale (torchrun prefix, throughput, extra losses)', () => {
    const line =
      '[default0]: [2025-05-27 15:23:07] iteration        1/    24000 | consumed samples:          1024 | elapsed time per iteration (ms): 271607.0 | throughput per GPU (TFLOP/s/GPU): 40.4 | learning rate: 1.500000E-06 | global batch size:  1024 | lm loss: 1.192634E+01 | load_balancing_loss: 1.041994E+00 | loss scale: 1.0 | grad norm: 5.960 | num zeros: 0.0 | params norm: 238.330 | number of skipped iterations:    0 | number of nan iterations:    0 |';
    expect(parseMegatronLogLine({ line, sequenceLength: 4096 })).toEqual({
      type: 'iteration',
      iteration: 1,
      totalIterations: 24000,
      time: '2025-05-27T15:23:07',
      consumedSamples: 1024,
      iterationTimeMs: 271607.0,
      tflopsPerGpu: 40.4,
      learningRate: 1.5e-6,
      globalBatchSize: 1024,
      loss: 11.92634,
      lossScale: 1,
      gradNorm: 5.96,
      skippedIterations: 0,
      nanIterations: 0,
      tokensPerSecond: (1024 * 4096 * 1000) / 271607,
      extra: { load_balancing_loss: 1.041994, 'num zeros': 0, 'params norm': 238.33 },
    });
  });

  it('reads the older Megatron line, its running-average time and FlagAI-era spellings', () => {
    expect(
      parseMegatronLogLine({
        line: ' iteration     1000/    5000 | consumed samples:         8000 | elapsed time per iteration (ms): 283.9 | learning rate: 4.600E-05 | global batch size:     8 | lm loss: 5.540000E+00 | loss scale: 65536.0 | grad norm: 2.475 | number of skipped iterations:   0 | number of nan iterations:   0 |',
      }),
    ).toMatchObject({
      iteration: 1000,
      totalIterations: 5000,
      learningRate: 4.6e-5,
      loss: 5.54,
      gradNorm: 2.475,
    });
    expect(
      parseMegatronLogLine({
        line: ' [2025-01-01 00:00:01] iteration       10/     100 | consumed samples:          80 | elapsed time per iteration (ms): 812.5/799.9 | learning rate: 1.0E-04 | global batch size:     8 | lm loss: 3.0E+00 | grad norm: nan |',
      }),
    ).toMatchObject({
      iterationTimeMs: 812.5,
      gradNorm: Number.NaN,
    });
    expect(
      parseMegatronLogLine({
        line: ' iteration  11/50000 | consumed samples: 5632 | gloabl batch size:  512 | lm loss:  1.376514E+01 |',
      }),
    ).toMatchObject({ globalBatchSize: 512, loss: 13.76514 });
  });

  it('reads validation and checkpoint lines and ignores everything else', () => {
    expect(
      parseMegatronLogLine({
        line: ' validation loss at iteration 2000 on validation set | lm loss value: 2.262209E+00 | lm loss PPL: 9.604340E+00 | ',
      }),
    ).toEqual({ type: 'validation', iteration: 2000, loss: 2.262209, perplexity: 9.60434 });
    expect(
      parseMegatronLogLine({
        line: '  successfully saved checkpoint from iteration    2000 to /runs/x/checkpoints [ t 1/1, p 1/1 ]',
      }),
    ).toEqual({ type: 'checkpoint', iteration: 2000, path: '/runs/x/checkpoints' });
    expect(parseMegatronLogLine({ line: 'saving checkpoint at iteration    2000 to /runs/x' })).toBeUndefined();
    expect(parseMegatronLogLine({ line: 'Traceback (most recent call last):' })).toBeUndefined();
  });

  it('never throws and reads back any well-formed line', () => {
    fc.assert(
      fc.property(
        fc.string(),
        (line) => parseMegatronLogLine({ line }) === undefined || typeof parseMegatronLogLine({ line }) === 'object',
      ),
    );
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.double({ min: 1e-9, max: 100, noNaN: true }), (iteration, total, loss) => {
        const event = parseMegatronLogLine({
          line: ` iteration ${iteration}/ ${total} | lm loss: ${loss.toExponential(6).toUpperCase()} |`,
        });
        return (
          event?.type === 'iteration' &&
          event.iteration === iteration &&
          Math.abs((event.loss ?? 0) - loss) <= loss * 1e-6
        );
      }),
    );
  });

  it('gives a well-formed event or nothing for any line, and stays quick on long lines (fuzzed, in a worker)', async () => {
    const module = new URL('./parse-megatron-log-line.properties.ts', import.meta.url);
    await checkPropertyInWorker({ module, exportName: 'anyLineGivesAnEventOrNothing', timeoutMs: 120_000 });
    await checkPropertyInWorker({ module, exportName: 'longLinesAreQuick', timeoutMs: 120_000 });
  }, 300_000);

  it('reads a line whose fields end with a carriage return (a CRLF log)', () => {
    expect(parseMegatronLogLine({ line: ' iteration 3/ 10 | lm loss: 2.0E+00 |\r' })).toMatchObject({
      iteration: 3,
      loss: 2,
    });
    expect(
      parseMegatronLogLine({ line: ' validation loss at iteration 3 | lm loss value: 1.5E+00 |\r' }),
    ).toMatchObject({ type: 'validation', loss: 1.5 });
  });
});
