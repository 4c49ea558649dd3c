import type { IndexedDatasetSummary } from '@aquila/formats';
import type { DroppedRecord, DropReason } from '../sources/dataset-record.js';

/** Why a source was not built: the file, the typed error, and for a layout no adapter reads, what was found and expected. */
export interface SourceFailure {
  file: string;
  /** The error's code: `AQUILA_DATA_INPUT_FILE` (missing), `AQUILA_DATA_SOURCE_COLUMNS` (layout), … */
  code: string;
  message: string;
  /** The columns or top-level fields found, where the file could be read that far. */
  columns?: readonly string[];
  /** What the adapter reads. */
  expected?: string;
}

export interface SourceReport {
  name: string;
  files: string[];
  licence: string;
  /** Records read (kept + dropped). */
  read: number;
  kept: number;
  dropped: Partial<Record<DropReason, number>>;
  /** Records read per file layout or prompt template (`wikisql-top-level`, `alpaca (### Instruction: …)`, …). */
  layouts: Record<string, number>;
  /** Set when the source could not be read (a missing file, an unknown layout): nothing of it was built. */
  failure?: SourceFailure;
}

export interface BuildReport {
  sources: SourceReport[];
  totals: { read: number; kept: number; dropped: number; duplicates: number };
  /** The first few dropped records per reason, with file and line or row. */
  dropExamples: DroppedRecord[];
  /** Kept records per licence. */
  licences: Record<string, number>;
  /** Kept records whose SQL could not be checked (no schema in the source). */
  unvalidated: number;
  /** Kept SQLite records whose double-quoted strings were made single-quoted. */
  rewrittenStrings: number;
  /** Records the SFT outputs skip (no schema or no question: pretraining text only). */
  sftSkipped: number;
  /** Length histogram of the pretraining documents: `edges[i] ≤ length < edges[i+1]`. */
  lengths: { unit: 'tokens' | 'characters'; edges: number[]; counts: number[] };
  outputs: {
    records?: string;
    pretrainingText?: string;
    sft?: string;
    trl?: string;
    megatron?: IndexedDatasetSummary;
    sftMegatron?: { text: IndexedDatasetSummary; lossMask: IndexedDatasetSummary };
  };
  durationMs: number;
}

/** Histogram edges: 0, 16, 32, 64 … 8192, then everything longer. */
export const lengthEdges = [0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

export function lengthBucket(length: number): number {
  let bucket = 0;
  while (bucket + 1 < lengthEdges.length && length >= lengthEdges[bucket + 1]!) bucket++;
  return bucket;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  // Text columns (first and last) align left, counts right.
  const last = widths.length - 1;
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 || column === last ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The report as a plain-text table: per source read/kept/dropped and the drop reasons (or why it failed), then totals and the layouts read. */
export function formatBuildReportTable(report: BuildReport): string {
  const rows = [['source', 'licence', 'read', 'kept', 'dropped', 'reasons']];
  for (const source of report.sources) {
    if (source.failure !== undefined) {
      rows.push([source.name, source.licence, '-', '-', '-', `failed: ${source.failure.message}`]);
      continue;
    }
    const dropped = Object.values(source.dropped).reduce((sum, count) => sum + (count ?? 0), 0);
    const reasons = Object.entries(source.dropped)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    rows.push([source.name, source.licence, String(source.read), String(source.kept), String(dropped), reasons]);
  }
  rows.push([
    'total',
    '',
    String(report.totals.read),
    String(report.totals.kept),
    String(report.totals.dropped),
    `${report.totals.duplicates} duplicates`,
  ]);
  const licences = Object.entries(report.licences)
    .map(([licence, count]) => `${licence} ${count}`)
    .join(', ');
  const layouts = report.sources
    .filter((source) => Object.keys(source.layouts).length > 0)
    .map(
      (source) =>
        `${source.name} ${Object.entries(source.layouts)
          .map(([layout, count]) => `${layout} ${count}`)
          .join(', ')}`,
    );
  return `${table(rows)}\nlicences kept: ${licences}\nunvalidated (no schema): ${report.unvalidated}; double-quoted strings rewritten: ${report.rewrittenStrings}; SFT-skipped: ${report.sftSkipped}\n${layouts.length > 0 ? `layouts read: ${layouts.join('; ')}\n` : ''}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A horizontal bar chart as inline SVG. */
function barChart(title: string, bars: { label: string; value: number; color?: string }[]): string {
  const rowHeight = 22;
  const labelWidth = 260;
  const barWidth = 420;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const height = bars.length * rowHeight + 30;
  const rows = bars.map((bar, index) => {
    const y = 24 + index * rowHeight;
    const width = Math.round((bar.value / max) * barWidth);
    return `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(bar.label)}</text><rect x="${labelWidth}" y="${y}" width="${width}" height="${rowHeight - 6}" fill="${bar.color ?? '#4a78c2'}"/><text x="${labelWidth + width + 4}" y="${y + 14}">${bar.value}</text>`;
  });
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 80}" height="${height}" font-family="sans-serif" font-size="12"><text x="0" y="14" font-weight="bold">${escapeHtml(title)}</text>${rows.join('')}</svg></figure>`;
}

/** A self-contained HTML page: the table, and SVG charts of records per source and reason, lengths and licences. */
export function renderBuildReportHtml(report: BuildReport): string {
  const reasons = new Map<string, number>();
  for (const source of report.sources)
    for (const [reason, count] of Object.entries(source.dropped))
      reasons.set(reason, (reasons.get(reason) ?? 0) + (count ?? 0));
  const charts = [
    barChart(
      'Kept records per source',
      report.sources.map((source) => ({ label: source.name, value: source.kept })),
    ),
    barChart(
      'Dropped records per reason',
      [...reasons].map(([label, value]) => ({ label, value, color: '#c2564a' })),
    ),
    barChart(
      `Pretraining document length (${report.lengths.unit})`,
      report.lengths.counts.map((value, index) => ({
        label: `${report.lengths.edges[index]}${index + 1 < report.lengths.edges.length ? `–${report.lengths.edges[index + 1]! - 1}` : '+'}`,
        value,
        color: '#5a9e6f',
      })),
    ),
    barChart(
      'Licence mix (kept)',
      Object.entries(report.licences).map(([label, value]) => ({ label, value, color: '#9a6fb0' })),
    ),
  ];
  const examples = report.dropExamples
    .map(
      (drop) =>
        `<tr><td>${escapeHtml(drop.reason)}</td><td>${escapeHtml(drop.file)}</td><td>${drop.line ?? drop.row ?? ''}</td><td>${escapeHtml(drop.detail)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Aquila data build report</title>
<style>body{font-family:sans-serif;margin:2em;max-width:960px}pre{background:#f4f4f4;padding:1em;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}</style></head>
<body><h1>Aquila data build report</h1>
<pre>${escapeHtml(formatBuildReportTable(report))}</pre>
${charts.join('\n')}
<h2>Examples of dropped records</h2><table><tr><th>reason</th><th>file</th><th>line/row</th><th>detail</th></tr>${examples}</table>
<p>Built in ${(report.durationMs / 1000).toFixed(1)} s.</p></body></html>
`;
}
