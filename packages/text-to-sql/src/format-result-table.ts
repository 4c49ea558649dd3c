import type { QueryResult } from './sql-database.js';

export interface FormatResultTableOptions {
  result: Pick<QueryResult, 'columns' | 'rows' | 'truncated'>;
  /** Cells longer than this are cut with `…`; default 40. */
  maxCellWidth?: number;
}

// East Asian wide characters take two terminal columns.
const wide =
  /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;

function width(text: string): number {
  let columns = 0;
  for (const character of text) columns += wide.test(character) ? 2 : 1;
  return columns;
}

function cut(text: string, limit: number): string {
  if (width(text) <= limit) return text;
  let out = '';
  for (const character of text) {
    if (width(out) + width(character) > limit - 1) break;
    out += character;
  }
  return `${out}…`;
}

/** A query result as a plain-text table for terminals, with the row count (and whether it was capped). */
export function formatResultTable(options: FormatResultTableOptions): string {
  const { columns, rows, truncated } = options.result;
  const limit = options.maxCellWidth ?? 40;
  const cells = [columns, ...rows.map((row) => row.map((value) => (value === null ? 'NULL' : String(value))))].map(
    (row) => row.map((value) => cut(value.replace(/\s+/g, ' '), limit)),
  );
  const widths = columns.map((_, index) => Math.max(...cells.map((row) => width(row[index] ?? ''))));
  const line = (row: string[]): string =>
    row
      .map((value, index) => value + ' '.repeat((widths[index] ?? 0) - width(value)))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((size) => '-'.repeat(size)).join('-+-');
  const [header = [], ...body] = cells;
  const count = `(${rows.length} row${rows.length === 1 ? '' : 's'}${truncated ? `; more not shown` : ''})`;
  return columns.length === 0 ? `${count}\n` : `${[line(header), rule, ...body.map(line)].join('\n')}\n${count}\n`;
}
