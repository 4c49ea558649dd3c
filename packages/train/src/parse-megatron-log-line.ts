import type { IterationEvent, TrainingEvent } from './training-event.js';

// The fields after a pattern are taken with slice/indexOf, not `[^|]*\|(.*)$`: on a long line without a bar
// such a tail backtracks from every occurrence of the prefix (quadratic time).
const iterationPattern = /\biteration\s+(\d+)\s*\/\s*(\d+)\s*\|/;
const validationPattern = /validation loss at iteration\s+(\d+)/;
const checkpointPattern = /successfully saved checkpoint (?:at|from) iteration\s+(\d+)(?: to (\S+))?/;
const timePattern = /\[(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})\]/;
const numberPattern = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|^[-+]?(?:nan|inf)/i;

const iterationFields: Record<
  string,
  keyof Omit<IterationEvent, 'type' | 'iteration' | 'totalIterations' | 'time' | 'extra' | 'tokensPerSecond'>
> = {
  'learning rate': 'learningRate',
  'lm loss': 'loss',
  loss: 'loss',
  'grad norm': 'gradNorm',
  'loss scale': 'lossScale',
  'consumed samples': 'consumedSamples',
  'global batch size': 'globalBatchSize',
  'gloabl batch size': 'globalBatchSize',
  'elapsed time per iteration (ms)': 'iterationTimeMs',
  'throughput per GPU (TFLOP/s/GPU)': 'tflopsPerGpu',
  'number of skipped iterations': 'skippedIterations',
  'number of nan iterations': 'nanIterations',
};

/** Digits that make an iteration count: a longer run of digits is not a number Megatron printed. */
const isCount = (digits: string | undefined): boolean => Number.isSafeInteger(Number(digits));

function fields(text: string): Array<[string, number]> {
  const result: Array<[string, number]> = [];
  for (const part of text.split('|')) {
    const colon = part.lastIndexOf(':');
    if (colon < 0) continue;
    const key = part.slice(0, colon).trim();
    const match = numberPattern.exec(part.slice(colon + 1).trim());
    if (key === '' || match === null) continue;
    result.push([key, Number(match[0].toLowerCase() === 'nan' ? Number.NaN : match[0])]);
  }
  return result;
}

/** Options of `parseMegatronLogLine`. */
export interface ParseMegatronLogLineOptions {
  line: string;
  /** Tokens per sample, to derive `tokensPerSecond` from batch size and iteration time. */
  sequenceLength?: number;
}

/**
 * One line of a Megatron/FlagScale training log as a typed event, or undefined for lines that are not
 * progress (warnings, timers, tracebacks). Reads the `key: value |` fields of
 * ` [time] iteration N/ M | consumed samples: … | learning rate: … | lm loss: … | grad norm: … |`,
 * whatever their order, with torchrun's `[default0]:` prefix or without.
 */
export function parseMegatronLogLine(options: ParseMegatronLogLineOptions): TrainingEvent | undefined {
  const { line } = options;
  const iteration = iterationPattern.exec(line);
  if (iteration !== null && isCount(iteration[1]) && isCount(iteration[2])) {
    const event: IterationEvent = {
      type: 'iteration',
      iteration: Number(iteration[1]),
      totalIterations: Number(iteration[2]),
    };
    const stamp = timePattern.exec(line);
    if (stamp !== null) event.time = `${stamp[1]}T${stamp[2]}`;
    const extra: Record<string, number> = {};
    for (const [key, value] of fields(line.slice(iteration.index + iteration[0].length))) {
      const field = iterationFields[key];
      if (field !== undefined) event[field] = value;
      else extra[key] = value;
    }
    if (Object.keys(extra).length > 0) event.extra = extra;
    if (
      options.sequenceLength !== undefined &&
      event.globalBatchSize !== undefined &&
      event.iterationTimeMs !== undefined &&
      event.iterationTimeMs > 0
    ) {
      event.tokensPerSecond = (event.globalBatchSize * options.sequenceLength * 1000) / event.iterationTimeMs;
    }
    return event;
  }
  const validation = validationPattern.exec(line);
  // No later occurrence can have a bar after it when the first has none.
  const bar = validation === null ? -1 : line.indexOf('|', validation.index + validation[0].length);
  if (validation !== null && bar >= 0 && isCount(validation[1])) {
    const values = new Map(fields(line.slice(bar + 1)));
    const loss = values.get('lm loss value');
    const perplexity = values.get('lm loss PPL');
    return {
      type: 'validation',
      iteration: Number(validation[1]),
      ...(loss === undefined ? {} : { loss }),
      ...(perplexity === undefined ? {} : { perplexity }),
    };
  }
  const checkpoint = checkpointPattern.exec(line);
  if (checkpoint !== null && isCount(checkpoint[1]))
    return {
      type: 'checkpoint',
      iteration: Number(checkpoint[1]),
      ...(checkpoint[2] === undefined ? {} : { path: checkpoint[2] }),
    };
  return undefined;
}
