// The parts of the self-contained HTML reports (Spider's and BIRD's): escaping, SVG bar charts, the page itself.

/** Text as HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export interface Series {
  name: string;
  color: string;
  values: number[];
}

/** A grouped bar chart as inline SVG: one group per label, one bar per series, values in 0..1. */
export function barChart(title: string, labels: readonly string[], series: readonly Series[]): string {
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

export interface HtmlPageOptions {
  title: string;
  /** The line under the title (HTML). */
  lead: string;
  /** Charts and sections before the item table (HTML). */
  sections: readonly string[];
  /** The item table: heading, the filter on a `data-<key>` attribute of its rows, column headers and rows (HTML). */
  table: {
    heading: string;
    filter: { key: string; label: string; values: readonly string[] };
    headers: readonly string[];
    rows: string;
  };
}

/** The page: title, lead, sections, and the item table with its filter and search. */
export function htmlPage(options: HtmlPageOptions): string {
  const { title, table } = options;
  const { key } = table.filter;
  const choices = ['all', ...table.filter.values].map((value) => `<option value="${value}">${value}</option>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1a202c}figure{display:inline-block;margin:0 2rem 1rem 0}figcaption{font-weight:600;margin-bottom:.5rem}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #e2e8f0;padding:4px 6px;vertical-align:top;text-align:left}code{white-space:pre-wrap;word-break:break-word}
.reason{color:#718096;font-size:11px}th{position:sticky;top:0;background:#f7fafc}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>${options.lead}</p>
${options.sections.join('\n')}
<h2>${table.heading}</h2>
<label>${table.filter.label} <select id="${key}">${choices}</select></label> <label>Search <input id="search" type="search"></label>
<table><thead><tr>${table.headers.map((header) => `<th>${header}</th>`).join('')}</tr></thead><tbody id="failures">
${table.rows}
</tbody></table>
<script>
const ${key} = document.getElementById('${key}'), search = document.getElementById('search');
function filter() {
  const level = ${key}.value, text = search.value.toLowerCase();
  for (const row of document.querySelectorAll('#failures tr')) row.hidden = (level !== 'all' && row.dataset.${key} !== level) || (text !== '' && !row.textContent.toLowerCase().includes(text));
}
${key}.addEventListener('change', filter); search.addEventListener('input', filter);
</script>
</body></html>
`;
}
