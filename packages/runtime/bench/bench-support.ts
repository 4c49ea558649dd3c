// Small pieces the benches share: counts from the environment, medians, greedy agreement, Markdown tables.

/** A whole count ≥ 1 from the environment variable `name`, else the default. */
export function countFromEnvironment(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number ≥ 1, not ${process.env[name]}`);
  return value;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The length of the common prefix of two token lists. */
export function leadingAgreement(left: readonly number[], right: readonly number[]): number {
  let count = 0;
  while (count < left.length && count < right.length && left[count] === right[count]) count++;
  return count;
}

/** A Markdown table with right-aligned cells padded to their column's width (readable as printed). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((cells) => cells[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padStart(widths[column] as number)).join(' | ')} |\n`;
  return `${line(header)}|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n${rows.map(line).join('')}`;
}
