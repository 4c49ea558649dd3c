import { type EvaluationSummary, type ItemVerdict, levels } from './evaluation-summary.js';
import { partialComponents } from './exact-match.js';

export interface HtmlReportOptions {
  summary: EvaluationSummary;
  /** The per-item verdicts; the failures among them are listed. */
  items: readonly ItemVerdict[];
  /** Page title. */
  title?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

interface Series {
  name: string;
  color: string;
  values: number[];
}

// A grouped bar chart as inline SVG: one group per label, one bar per series, values in 0..1.
function barChart(title: string, labels: readonly string[], series: readonly Series[]): string {
  const groupWidth = 24 * series.length + 24;
  const width = 60 + labels.length * groupWidth;
  const height = 240;
  const plot = 180;
  const bars = labels
    .map((label, group) => {
      const x0 = 50 + group * groupWidth;
      const rects = series
        .map((item, index) => {
          const value = item.values[group] ?? 0;
          const barHeight = Math.round(value * plot);
          const x = x0 + index * 24;
          return `<rect x="${x}" y="${20 + plot - barHeight}" width="20" height="${barHeight}" fill="${item.color}"><title>${escapeHtml(item.name)} ${escapeHtml(label)}: ${value.toFixed(3)}</title></rect><text x="${x + 10}" y="${16 + plot - barHeight}" font-size="9" text-anchor="middle">${(value * 100).toFixed(0)}</text>`;
        })
        .join('');
      return `${rects}<text x="${x0 + (groupWidth - 24) / 2}" y="${plot + 36}" font-size="11" text-anchor="middle">${escapeHtml(label)}</text>`;
    })
    .join('');
  const axis = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (tick) =>
        `<line x1="45" x2="${width}" y1="${20 + plot - tick * plot}" y2="${20 + plot - tick * plot}" stroke="#ddd"/><text x="40" y="${24 + plot - tick * plot}" font-size="10" text-anchor="end">${tick * 100}%</text>`,
    )
    .join('');
  const legend = series
    .map(
      (item, index) =>
        `<rect x="${60 + index * 140}" y="${height - 14}" width="10" height="10" fill="${item.color}"/><text x="${74 + index * 140}" y="${height - 5}" font-size="11">${escapeHtml(item.name)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">${axis}${bars}${legend}</svg></figure>`;
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
  const options_ = ['all', ...levels.slice(0, 4)].map((level) => `<option value="${level}">${level}</option>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1a202c}figure{display:inline-block;margin:0 2rem 1rem 0}figcaption{font-weight:600;margin-bottom:.5rem}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #e2e8f0;padding:4px 6px;vertical-align:top;text-align:left}code{white-space:pre-wrap;word-break:break-word}
.reason{color:#718096;font-size:11px}th{position:sticky;top:0;background:#f7fafc}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>${summary.count.all} questions${summary.etype !== 'match' ? ` · execution ${(summary.exec.all * 100).toFixed(1)}%` : ''}${summary.etype !== 'exec' ? ` · exact match ${(summary.exact.all * 100).toFixed(1)}%` : ''} · parsed ${(summary.rates.parsed * 100).toFixed(1)}%${summary.rates.runs === undefined ? ' · runs n/a (no database files)' : ` · runs ${(summary.rates.runs * 100).toFixed(1)}%`}${summary.rates.extracted === undefined ? '' : ` · SQL extracted ${(summary.rates.extracted * 100).toFixed(1)}%`}</p>
${charts.join('\n')}
<h2>Failures (${failures.length})</h2>
<label>Hardness <select id="hardness">${options_}</select></label> <label>Search <input id="search" type="search"></label>
<table><thead><tr><th>#</th><th>database</th><th>hardness</th><th>verdict</th><th>gold</th><th>prediction</th></tr></thead><tbody id="failures">
${rows}
</tbody></table>
<script>
const hardness = document.getElementById('hardness'), search = document.getElementById('search');
function filter() {
  const level = hardness.value, text = search.value.toLowerCase();
  for (const row of document.querySelectorAll('#failures tr')) row.hidden = (level !== 'all' && row.dataset.hardness !== level) || (text !== '' && !row.textContent.toLowerCase().includes(text));
}
hardness.addEventListener('change', filter); search.addEventListener('input', filter);
</script>
</body></html>
`;
}
