import { pythonFixed } from '../internal/python-text.js';
import { type BirdLevel, type BirdLevelScores, type BirdSummary, birdLevels } from './bird-summary.js';
import type { BirdItemVerdict } from './evaluate-bird.js';

/** Which official script's console output: mini_dev's evaluation_ex/_f1/_ves, or DAMO-ConvAI's evaluation.py. */
export type BirdReportScript = 'ex' | 'soft-f1' | 'r-ves' | 'ex-damo';

const rule = '='.repeat(91);

// Python's "{:20}" of a str (left-aligned) and "{:<20}" of an int or "{:<20.2f}" of a float.
const cell = (text: string): string => text.padEnd(20);

// print_data: the header, the counts, the banner and the scores.
function table(metric: string, label: string, scores: BirdLevelScores, count: Record<BirdLevel, number>): string {
  return [
    `${cell('')} ${birdLevels.map(cell).join(' ')}`,
    `${cell('count')} ${birdLevels.map((level) => cell(String(count[level]))).join(' ')}`,
    `======================================    ${metric}    =====================================`,
    `${cell(label)} ${birdLevels.map((level) => cell(pythonFixed(scores[level], 2))).join(' ')}`,
  ].join('\n');
}

/**
 * What the official script prints for `script`, character for character (mini_dev's for SQLite, with its three
 * blank lines at the end). `undefined` when the summary lacks the metric.
 */
export function formatBirdReport(summary: BirdSummary, script: BirdReportScript): string | undefined {
  const { count } = summary;
  if (script === 'ex-damo')
    return summary.exDamo === undefined
      ? undefined
      : `start calculate\n${table('ACCURACY', 'accuracy', summary.exDamo, count)}\n${rule}\nFinished evaluation\n`;
  const [scores, metric, start, finished] =
    script === 'ex'
      ? [summary.ex, 'EX', 'EX', 'EX']
      : script === 'soft-f1'
        ? [summary.softF1, 'Soft-F1', 'Soft F1', 'EX']
        : [summary.rVes?.mean, 'R-VES', 'R-VES', 'R-VES'];
  if (scores === undefined) return undefined;
  return `start calculate ${start}\n${table(metric, metric, scores, count)}\n${rule}\nFinished ${finished} evaluation for SQLite on Mini Dev set\n\n\n\n`;
}

/** The lines after the official tables: the strict scores, R-VES's spread, EX/Soft-F1 disagreements, errors. */
export function formatBirdReportExtras(summary: BirdSummary): string {
  const lines: string[] = [];
  const { strict, rVes, disagreements } = summary;
  if (rVes !== undefined) {
    const { minimum, maximum, standardDeviation } = rVes.spread;
    lines.push(
      `R-VES over ${rVes.runs.length} run${rVes.runs.length === 1 ? '' : 's'} of ${rVes.iterations} iterations (the table shows their mean): total ${rVes.runs.map((run) => pythonFixed(run.total, 2)).join(', ')}; min ${pythonFixed(minimum, 2)}, max ${pythonFixed(maximum, 2)}, standard deviation ${pythonFixed(standardDeviation, 2)}`,
    );
  }
  if (strict !== undefined) {
    lines.push("strict verdicts (the official rules' known errors fixed; the official ones above stay the reference):");
    if (strict.ex !== undefined) lines.push(table('EX strict', 'EX strict', strict.ex, summary.count));
    if (strict.softF1 !== undefined)
      lines.push(table('Soft-F1 strict', 'Soft-F1 strict', strict.softF1, summary.count));
    lines.push(
      `strict changes: EX ${strict.changed.ex} questions, Soft-F1 ${strict.changed.softF1}, DAMO EX ${strict.changed.exDamo}`,
    );
  }
  if (disagreements !== undefined)
    lines.push(
      `EX 1 with Soft-F1 < 1: ${disagreements.exWithoutFullSoftF1} questions; EX 0 with Soft-F1 1: ${disagreements.softF1WithoutEx}`,
    );
  lines.push(
    `predictions that failed or timed out: ${summary.predErrors}; gold queries that failed: ${summary.goldErrors}`,
  );
  return `${lines.join('\n')}\n`;
}

const birdReportScripts: readonly BirdReportScript[] = ['ex', 'ex-damo', 'soft-f1', 'r-ves'];

/** The whole console report: each official script's table the summary has, in that order, then the extras. */
export function formatBirdReports(summary: BirdSummary): string {
  const tables = birdReportScripts
    .map((script) => formatBirdReport(summary, script))
    .filter((table) => table !== undefined);
  return `${tables.join('')}${formatBirdReportExtras(summary)}`;
}

/** One per-item JSON line with the fixture's field names (official first, then ours). */
export function birdItemLine(item: BirdItemVerdict): string {
  const { gold: _gold, pred: _pred, pred_db_id: _named, ...fields } = item;
  return JSON.stringify(fields);
}
