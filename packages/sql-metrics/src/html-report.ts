import { type EvaluationSummary, type ItemVerdict, levels } from './evaluation-summary.js';
import { partialComponents } from './exact-match.js';
import { barChart, escapeHtml, htmlPage, type Series } from './internal/html-page.js';

export interface HtmlReportOptions {
  summary: EvaluationSummary;
  /** The per-item verdicts; the failures among them are listed. */
  items: readonly ItemVerdict[];
  /** Page title. */
  title?: string;
}

/** A self-contained HTML report: accuracy by hardness and component scores as SVG charts, and the failures, gold beside prediction. */
export function htmlReport(options: HtmlReportOptions): string {
  const { summary, items } = options;
  const title = options.title ?? 'Text-to-SQL evaluation';
  const hardnessSeries: Series[] = [];
  if (summary.etype !== 'match')
    hardnessSeries.push({ name: 'execution', color: '#2b6cb0', values: levels.map((level) => summary.exec[level]) });
  if (summary.etype !== 'exec')
    hardnessSeries.push({ name: 'exact match', color: '#dd6b20', values: levels.map((level) => summary.exact[level]) });
  if (summary.fixed !== undefined) {
    if (summary.etype !== 'match')
      hardnessSeries.push({
        name: 'execution (fixed)',
        color: '#90cdf4',
        values: levels.map((level) => summary.fixed?.exec[level] ?? 0),
      });
    if (summary.etype !== 'exec')
      hardnessSeries.push({
        name: 'exact (fixed)',
        color: '#fbd38d',
        values: levels.map((level) => summary.fixed?.exact[level] ?? 0),
      });
  }
  const charts = [
    barChart(
      'Accuracy by hardness',
      levels.map((level) => `${level} (${summary.count[level]})`),
      hardnessSeries,
    ),
  ];
  if (summary.etype !== 'exec') {
    charts.push(
      barChart('Partial component scores (all)', partialComponents, [
        {
          name: 'accuracy',
          color: '#38a169',
          values: partialComponents.map((component) => summary.partial.all[component].acc),
        },
        {
          name: 'recall',
          color: '#805ad5',
          values: partialComponents.map((component) => summary.partial.all[component].rec),
        },
        {
          name: 'F1',
          color: '#d53f8c',
          values: partialComponents.map((component) => summary.partial.all[component].f1),
        },
      ]),
    );
  }
  const failures = items.filter((item) => item.exact === 0 || item.exec === 0);
  const rows = failures
    .map((item) => {
      const verdicts = [
        item.exact === undefined ? '' : `EM ${item.exact}`,
        item.exec === undefined ? '' : `EX ${item.exec}`,
        item.pred_parsed ? '' : 'not parsed',
        item.pred_runs ? '' : 'does not run',
      ]
        .filter(Boolean)
        .join(', ');
      return `<tr data-hardness="${item.hardness}"><td>${item.i}</td><td>${escapeHtml(item.db_id)}</td><td>${item.hardness}</td><td>${escapeHtml(verdicts)}${item.reason === undefined ? '' : `<div class="reason">${escapeHtml(item.reason)}</div>`}</td><td><code>${escapeHtml(item.gold)}</code></td><td><code>${escapeHtml(item.pred)}</code></td></tr>`;
    })
    .join('\n');
  return htmlPage({
    title,
    lead: `${summary.count.all} questions${summary.etype !== 'match' ? ` · execution ${(summary.exec.all * 100).toFixed(1)}%` : ''}${summary.etype !== 'exec' ? ` · exact match ${(summary.exact.all * 100).toFixed(1)}%` : ''} · parsed ${(summary.rates.parsed * 100).toFixed(1)}%${summary.rates.runs === undefined ? ' · runs n/a (no database files)' : ` · runs ${(summary.rates.runs * 100).toFixed(1)}%`}${summary.rates.extracted === undefined ? '' : ` · SQL extracted ${(summary.rates.extracted * 100).toFixed(1)}%`}`,
    sections: charts,
    table: {
      heading: `Failures (${failures.length})`,
      filter: { key: 'hardness', label: 'Hardness', values: levels.slice(0, 4) },
      headers: ['#', 'database', 'hardness', 'verdict', 'gold', 'prediction'],
      rows,
    },
  });
}
