import { barChart, escapeHtml, htmlPage, type Series } from '../internal/html-page.js';
import { type BirdLevel, type BirdSummary, birdLevels } from './bird-summary.js';
import type { BirdItemVerdict } from './evaluate-bird.js';

export interface BirdHtmlReportOptions {
  summary: BirdSummary;
  /** The per-item verdicts: broken down by database, and the questions that fail or disagree listed. */
  items: readonly BirdItemVerdict[];
  title?: string;
}

interface Breakdown {
  label: string;
  count: number;
  ex: number;
  softF1: number;
}

// Mean EX and Soft-F1 per database, in the order the databases first appear.
function byDatabase(items: readonly BirdItemVerdict[]): Breakdown[] {
  const groups = new Map<string, BirdItemVerdict[]>();
  for (const item of items) {
    const group = groups.get(item.db_id);
    if (group === undefined) groups.set(item.db_id, [item]);
    else group.push(item);
  }
  return [...groups].map(([label, group]) => ({
    label,
    count: group.length,
    ex: group.reduce((sum, item) => sum + (item.ex ?? 0), 0) / group.length,
    softF1: group.reduce((sum, item) => sum + (item.soft_f1 ?? 0), 0) / group.length,
  }));
}

const percent = (value: number): string => `${value.toFixed(2)}%`;

function verdictText(item: BirdItemVerdict): string {
  const parts = [
    item.ex === undefined ? '' : `EX ${item.ex}`,
    item.ex_damo === undefined || item.ex_damo === item.ex ? '' : `DAMO EX ${item.ex_damo}`,
    item.soft_f1 === undefined ? '' : `Soft-F1 ${item.soft_f1.toFixed(3)}`,
    item.strict === undefined
      ? ''
      : `strict ${[item.strict.ex === undefined ? '' : `EX ${item.strict.ex}`, item.strict.soft_f1 === undefined ? '' : `Soft-F1 ${item.strict.soft_f1.toFixed(3)}`].filter(Boolean).join(' ')}`,
  ];
  return parts.filter(Boolean).join(', ');
}

function row(item: BirdItemVerdict): string {
  const why = item.gold_error ?? item.pred_error;
  return `<tr data-difficulty="${escapeHtml(item.difficulty ?? 'none')}"><td>${item.i}</td><td>${escapeHtml(item.db_id)}</td><td>${escapeHtml(item.difficulty ?? '')}</td><td>${escapeHtml(verdictText(item))}${why === null ? '' : `<div class="reason">${escapeHtml(item.gold_error === undefined ? why : `gold: ${why}`)}</div>`}</td><td><code>${escapeHtml(item.gold)}</code></td><td><code>${escapeHtml(item.pred)}</code></td></tr>`;
}

/**
 * A self-contained HTML report of a BIRD run: scores by difficulty and by database as SVG charts, the questions
 * where EX and Soft-F1 disagree, and every question that is not fully right, gold beside prediction.
 */
export function birdHtmlReport(options: BirdHtmlReportOptions): string {
  const { summary, items } = options;
  const title = options.title ?? 'BIRD evaluation';
  const levels = birdLevels.filter((level) => summary.count[level] > 0);
  const fraction = (scores: Record<BirdLevel, number> | undefined): number[] =>
    levels.map((level) => (scores?.[level] ?? 0) / 100);
  const series: Series[] = [];
  if (summary.ex !== undefined) series.push({ name: 'EX', color: '#2b6cb0', values: fraction(summary.ex) });
  if (summary.softF1 !== undefined)
    series.push({ name: 'Soft-F1', color: '#dd6b20', values: fraction(summary.softF1) });
  // R-VES runs to 111.8; the chart's scale is 0..100%, so it is shown as a share of its maximum.
  if (summary.rVes !== undefined)
    series.push({
      name: 'R-VES ÷ 1.118',
      color: '#38a169',
      values: fraction(summary.rVes.mean).map((value) => value / 1.118),
    });
  if (summary.strict?.ex !== undefined)
    series.push({ name: 'EX strict', color: '#90cdf4', values: fraction(summary.strict.ex) });
  if (summary.strict?.softF1 !== undefined)
    series.push({ name: 'Soft-F1 strict', color: '#fbd38d', values: fraction(summary.strict.softF1) });
  const databases = byDatabase(items);
  const sections = [
    barChart(
      'Scores by difficulty',
      levels.map((level) => `${level} (${summary.count[level]})`),
      series,
    ),
    barChart(
      'Scores by database',
      databases.map(({ label, count }) => `${label} (${count})`),
      [
        ...(summary.ex === undefined ? [] : [{ name: 'EX', color: '#2b6cb0', values: databases.map(({ ex }) => ex) }]),
        ...(summary.softF1 === undefined
          ? []
          : [{ name: 'Soft-F1', color: '#dd6b20', values: databases.map(({ softF1 }) => softF1) }]),
      ],
    ),
  ];
  const disagreeing = items.filter(
    (item) => item.ex !== undefined && item.soft_f1 !== undefined && (item.ex === 1) !== (item.soft_f1 === 1),
  );
  if (summary.disagreements !== undefined)
    sections.push(
      `<h2>EX and Soft-F1 disagree (${disagreeing.length})</h2><p>EX 1 with Soft-F1 below 1: ${summary.disagreements.exWithoutFullSoftF1} (the same rows in another order, or repeated rows); EX 0 with Soft-F1 1: ${summary.disagreements.softF1WithoutEx} (the same values with columns in another order). Questions: ${disagreeing.map((item) => item.i).join(', ') || 'none'}.</p>`,
    );
  const failures = items.filter(
    (item) =>
      item.ex === 0 ||
      (item.soft_f1 !== undefined && item.soft_f1 < 1) ||
      (item.ex_damo !== undefined && item.ex_damo !== item.ex) ||
      (item.strict !== undefined && (item.strict.ex !== item.ex || item.strict.soft_f1 !== item.soft_f1)),
  );
  const scores = [
    summary.ex === undefined ? '' : ` · EX ${percent(summary.ex.total)}`,
    summary.exDamo === undefined ? '' : ` · DAMO EX ${percent(summary.exDamo.total)}`,
    summary.softF1 === undefined ? '' : ` · Soft-F1 ${percent(summary.softF1.total)}`,
    summary.rVes === undefined ? '' : ` · R-VES ${summary.rVes.mean.total.toFixed(2)}`,
  ].join('');
  return htmlPage({
    title,
    lead: `${summary.count.total} questions${scores} · predictions that failed ${summary.predErrors} · gold queries that failed ${summary.goldErrors}`,
    sections,
    table: {
      heading: `Not fully right (${failures.length})`,
      filter: { key: 'difficulty', label: 'Difficulty', values: birdLevels.slice(0, 3) },
      headers: ['#', 'database', 'difficulty', 'verdict', 'gold', 'prediction'],
      rows: failures.map(row).join('\n'),
    },
  });
}
