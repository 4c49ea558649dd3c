import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { isBlankSql, sqlTokens } from './sql-lexer.js';

const module = new URL('./sql-lexer.properties.ts', import.meta.url);

describe('sqlTokens', () => {
  it('keeps strings, quoted names and comments whole, unclosed ones to the end', () => {
    expect([...sqlTokens({ sql: `SELECT "a""b", 'it''s' -- x\n/* y */[c d]\`e\` #1` })]).toEqual([
      'SELECT',
      ' ',
      '"a""b"',
      ',',
      ' ',
      "'it''s'",
      ' ',
      '-- x',
      '\n',
      '/* y */',
      '[c d]',
      '`e`',
      ' ',
      '#',
      '1',
    ]);
    expect([...sqlTokens({ sql: `x 'open` })]).toEqual(['x', ' ', "'open"]);
    expect([...sqlTokens({ sql: '#1𝒜', hashInNames: true })]).toEqual(['#1𝒜']);
  });

  it('counts only whitespace, comments and semicolons as no SQL', () => {
    for (const sql of ['', ' \n', ';', ' -- nothing', '/* x */;', '/* open']) expect(isBlankSql(sql), sql).toBe(true);
    for (const sql of ['SELECT 1', '\u00a0', 'x -- y']) expect(isBlankSql(sql), sql).toBe(false);
  });
});

// In a worker with a wall-clock limit: a scanner stuck in a loop fails the test instead of stopping the suite.
describe('sqlTokens properties', () => {
  it('finds the tokens the regexes it replaces found, covering the text', async () => {
    await checkPropertyInWorker({ module, exportName: 'tokensAsTheRegexFindThem', timeoutMs: 120_000 });
  });

  it('skips blanks as the regexes it replaces did', async () => {
    await checkPropertyInWorker({ module, exportName: 'blanksAsTheRegexFindThem', timeoutMs: 120_000 });
  });

  it('takes a 10 MB token and long runs of comments in its stride', async () => {
    await checkPropertyInWorker({ module, exportName: 'hugeTokensAndCommentRuns', timeoutMs: 120_000 });
  });
});
