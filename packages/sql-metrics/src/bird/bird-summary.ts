import type { BirdItemVerdict } from './evaluate-bird.js';

/** BIRD's metrics: 'ex' (mini_dev's, with DAMO-ConvAI's variant beside it), 'soft-f1', 'r-ves'. */
export type BirdMetric = 'ex' | 'soft-f1' | 'r-ves';
export const birdMetrics: readonly BirdMetric[] = ['ex', 'soft-f1', 'r-ves'];

/** The official report's columns. */
export type BirdLevel = 'simple' | 'moderate' | 'challenging' | 'total';
export const birdLevels: readonly BirdLevel[] = ['simple', 'moderate', 'challenging', 'total'];

/** A score per column; a column with no question has NaN (the official scripts stop there, on a ZeroDivisionError). */
export type BirdLevelScores = Record<BirdLevel, number>;

/** The numbers of a BIRD run, as the official scripts print them plus what lies behind them. */
export interface BirdSummary {
  metrics: BirdMetric[];
  /** Questions per column. Without a question file there are no difficulties: only the total counts. */
  count: Record<BirdLevel, number>;
  ex?: BirdLevelScores;
  exDamo?: BirdLevelScores;
  softF1?: BirdLevelScores;
  /** R-VES: each run's scores, their mean, and the spread of the runs' totals. */
  rVes?: {
    iterations: number;
    runs: BirdLevelScores[];
    mean: BirdLevelScores;
    spread: { minimum: number; maximum: number; standardDeviation: number };
  };
  /** The strict verdicts' scores, and how many questions the strict verdict changes. */
  strict?: { ex?: BirdLevelScores; softF1?: BirdLevelScores; changed: { ex: number; softF1: number; exDamo: number } };
  /** Questions where EX and Soft-F1 disagree: EX 1 with Soft-F1 below 1, and EX 0 with Soft-F1 1. */
  disagreements?: { exWithoutFullSoftF1: number; softF1WithoutEx: number };
  /** Questions whose gold query failed (scored 0, as the official scripts do without saying so). */
  goldErrors: number;
  /** Predictions that raised an error or ran out of time. */
  predErrors: number;
}

// compute_acc_by_diff / compute_f1_by_diff: each column's sum in question order, ÷ count × 100; compute_ves sums
// values that are percentages already, ÷ count.
function scores(
  items: readonly BirdItemVerdict[],
  value: (item: BirdItemVerdict) => number,
  hasQuestions: boolean,
  percentages = false,
): BirdLevelScores {
  const result = {} as BirdLevelScores;
  for (const level of birdLevels) {
    const chosen = level === 'total' ? items : hasQuestions ? items.filter((item) => item.difficulty === level) : [];
    let sum = 0;
    for (const item of chosen) sum += value(item);
    result[level] = percentages ? sum / chosen.length : (sum / chosen.length) * 100;
  }
  return result;
}

export interface SummarizeBirdOptions {
  items: readonly BirdItemVerdict[];
  metrics: readonly BirdMetric[];
  strict: boolean;
  hasQuestions: boolean;
  vesIterations?: number;
}

/** The summary of a run's item verdicts. */
export function summarizeBird(options: SummarizeBirdOptions): BirdSummary {
  const { items, metrics, hasQuestions } = options;
  const count = {} as Record<BirdLevel, number>;
  for (const level of birdLevels)
    count[level] =
      level === 'total' ? items.length : hasQuestions ? items.filter((item) => item.difficulty === level).length : 0;
  const summary: BirdSummary = {
    metrics: [...metrics],
    count,
    goldErrors: items.filter((item) => item.gold_error !== undefined).length,
    predErrors: items.filter((item) => item.pred_error !== null).length,
  };
  const hasEx = metrics.includes('ex');
  const hasSoftF1 = metrics.includes('soft-f1');
  if (hasEx) {
    summary.ex = scores(items, (item) => item.ex ?? 0, hasQuestions);
    summary.exDamo = scores(items, (item) => item.ex_damo ?? 0, hasQuestions);
  }
  if (hasSoftF1) summary.softF1 = scores(items, (item) => item.soft_f1 ?? 0, hasQuestions);
  if (hasEx && hasSoftF1)
    summary.disagreements = {
      exWithoutFullSoftF1: items.filter((item) => item.ex === 1 && (item.soft_f1 ?? 0) < 1).length,
      softF1WithoutEx: items.filter((item) => item.ex === 0 && item.soft_f1 === 1).length,
    };
  if (metrics.includes('r-ves')) {
    const runCount = items[0]?.r_ves?.length ?? 0;
    const runs = Array.from({ length: runCount }, (_, run) =>
      scores(items, (item) => item.r_ves?.[run] ?? 0, hasQuestions, true),
    );
    const mean = {} as BirdLevelScores;
    for (const level of birdLevels) mean[level] = runs.reduce((sum, run) => sum + run[level], 0) / runs.length;
    const totals = runs.map((run) => run.total);
    const average = totals.reduce((sum, total) => sum + total, 0) / totals.length;
    summary.rVes = {
      iterations: options.vesIterations ?? 100,
      runs,
      mean,
      spread: {
        minimum: Math.min(...totals),
        maximum: Math.max(...totals),
        standardDeviation: Math.sqrt(totals.reduce((sum, total) => sum + (total - average) ** 2, 0) / totals.length),
      },
    };
  }
  if (options.strict) {
    summary.strict = {
      ...(hasEx ? { ex: scores(items, (item) => item.strict?.ex ?? 0, hasQuestions) } : {}),
      ...(hasSoftF1 ? { softF1: scores(items, (item) => item.strict?.soft_f1 ?? 0, hasQuestions) } : {}),
      changed: {
        ex: items.filter((item) => hasEx && item.strict?.ex !== item.ex).length,
        softF1: items.filter((item) => hasSoftF1 && item.strict?.soft_f1 !== item.soft_f1).length,
        exDamo: items.filter((item) => hasEx && item.strict?.ex !== item.ex_damo).length,
      },
    };
  }
  return summary;
}
