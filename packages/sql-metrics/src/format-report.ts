import { type EvaluationSummary, type ItemVerdict, type Level, levels } from './evaluation-summary.js';
import { partialComponents } from './exact-match.js';
import { pythonFixed } from './internal/python-text.js';

export interface FormatReportOptions {
  summary: EvaluationSummary;
}

// Python's '{:.3f}', which the official table prints.
const fixed3 = (value: number): string => pythonFixed(value, 3);

function row(name: string, cells: readonly string[]): string {
  return `${name.padEnd(20)} ${cells.map((cell) => cell.padEnd(20)).join(' ')}`;
}

function scores(name: string, values: Record<Level, number>): string {
  return row(
    name,
    levels.map((level) => fixed3(values[level])),
  );
}

/** The official evaluator's printed table (`print_scores`), line for line. */
export function formatReport(options: FormatReportOptions): string {
  const { summary } = options;
  const lines = [
    row('', levels),
    row(
      'count',
      levels.map((level) => String(summary.count[level])),
    ),
  ];
  if (summary.etype !== 'match') {
    lines.push(
      '=====================   EXECUTION ACCURACY     =====================',
      scores('execution', summary.exec),
    );
  }
  if (summary.etype !== 'exec') {
    lines.push(
      '',
      '====================== EXACT MATCHING ACCURACY =====================',
      scores('exact match', summary.exact),
      '',
    );
    const sections = [
      ['---------------------PARTIAL MATCHING ACCURACY----------------------', 'acc'],
      ['---------------------- PARTIAL MATCHING RECALL ----------------------', 'rec'],
      ['---------------------- PARTIAL MATCHING F1 --------------------------', 'f1'],
    ] as const;
    for (const [title, key] of sections) {
      lines.push(title);
      for (const component of partialComponents)
        lines.push(
          row(
            component,
            levels.map((level) => fixed3(summary.partial[level][component][key])),
          ),
        );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** What the official table lacks: the fixed-mode accuracies beside the official ones, and the extract/parse/run rates. */
export function formatReportExtras(options: FormatReportOptions): string {
  const { summary } = options;
  const lines: string[] = [];
  if (summary.fixed !== undefined) {
    lines.push('==================== FIXED MODE (upstream bugs fixed) ==============');
    if (summary.etype !== 'match')
      lines.push(scores('execution', summary.exec), scores('execution (fixed)', summary.fixed.exec));
    if (summary.etype !== 'exec')
      lines.push(scores('exact match', summary.exact), scores('exact (fixed)', summary.fixed.exact));
    lines.push('');
  }
  const { rates, totals } = summary;
  const all = summary.count.all;
  // A rate of nothing is not 0: no questions, or no prediction run (no database files), is n/a.
  const rate = (count: number | undefined, value: number | undefined): string =>
    `${count}/${all} = ${all === 0 || value === undefined ? 'n/a' : fixed3(value)}`;
  if (rates.extracted !== undefined) lines.push(`SQL extracted        ${rate(totals.extracted, rates.extracted)}`);
  lines.push(
    `parsed (Spider)      ${rate(totals.parsed, rates.parsed)}`,
    `runs without error   ${rate(totals.runs, rates.runs)}${rates.runs === undefined ? ' (no prediction was run: no database files)' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

/** One line of the official per-item JSONL: exactly its fields, keys sorted as Python's `json.dumps(sort_keys=True)`. */
export function officialItemLine(item: ItemVerdict): string {
  const record: Record<string, unknown> = { db_id: item.db_id, hardness: item.hardness, i: item.i };
  if (item.exact !== undefined) record.exact = item.exact;
  if (item.exec !== undefined) record.exec = item.exec;
  if (item.partial !== undefined) record.partial = item.partial;
  record.pred_parsed = item.pred_parsed;
  record.pred_runs = item.pred_runs;
  return sortedJson(record);
}

/** The closing `{"summary": …}` line of the per-item JSONL. */
export function officialSummaryLine(summary: EvaluationSummary): string {
  const present = (values: Record<Level, number>): Record<string, number> =>
    Object.fromEntries(levels.filter((level) => summary.count[level] > 0).map((level) => [level, values[level]]));
  return sortedJson({
    summary: {
      count: present(summary.count),
      exact: summary.etype === 'exec' ? {} : present(summary.matched.exact),
      exec: summary.etype === 'match' ? {} : present(summary.matched.exec),
      pred_parsed: summary.totals.parsed,
      pred_runs: summary.totals.runs,
    },
  });
}

function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  ).replace(
    /("[^"\\]*(?:\\.[^"\\]*)*")|([:,])/g,
    (_match, text: string | undefined, separator: string | undefined) => text ?? `${separator} `,
  );
}
