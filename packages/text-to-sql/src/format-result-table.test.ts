import { describe, expect, it } from 'vitest';
import { formatResultTable } from './format-result-table.js';

describe('formatResultTable', () => {
  it('aligns columns (wide characters count twice), shows NULL and says when rows were capped', () => {
    const text = formatResultTable({
      result: {
        columns: ['name', 'n'],
        rows: [
          ['法国', 3],
          [null, 12],
        ],
        truncated: true,
      },
    });
    expect(text).toBe('name | n\n-----+---\n法国 | 3\nNULL | 12\n(2 rows; more not shown)\n');
  });

  it('cuts long cells and handles results without columns', () => {
    expect(
      formatResultTable({ result: { columns: ['x'], rows: [['abcdefghij']], truncated: false }, maxCellWidth: 5 }),
    ).toBe('x\n-----\nabcd…\n(1 row)\n');
    expect(formatResultTable({ result: { columns: [], rows: [], truncated: false } })).toBe('(0 rows)\n');
  });
});
