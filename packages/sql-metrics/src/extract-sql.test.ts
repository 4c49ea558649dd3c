import { readFileSync } from 'node:fs';
import { checkPropertyInWorker, flagaiDirectory } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { extractSql } from './extract-sql.js';
import { fixtureLines } from './test-support/test-fixtures.js';

describe('extractSql', () => {
  it("reproduces FlagAI's cspider_predict.txt from the raw model outputs, byte for byte", () => {
    const raw = fixtureLines(`${flagaiDirectory}aquila-sql/evaluation_result/cspider_raw_pred.jsonl`).map(
      (line) => (JSON.parse(line) as { result: string }).result,
    );
    const extracted = raw.flatMap((text) => {
      const result = extractSql({ text, plainSql: false });
      return result === undefined ? [] : [`${result.sql}\n`];
    });
    expect(extracted).toHaveLength(969);
    expect(extracted.join('')).toBe(
      readFileSync(`${flagaiDirectory}aquila-sql/evaluation_result/cspider_predict.txt`, 'utf8'),
    );
  });

  it('takes the first fenced block, and plain SQL unless told not to', () => {
    expect(extractSql({ text: 'Here:\n```sql\nSELECT a\nFROM t\n```\n```sql\nSELECT b\n```' })).toEqual({
      sql: 'SELECT a FROM t',
      source: 'fenced',
    });
    expect(extractSql({ text: '```sql\n```' })).toBeUndefined();
    expect(extractSql({ text: '  select *\nfrom t  ' })).toEqual({ sql: 'select * from t', source: 'plain' });
    expect(extractSql({ text: 'select * from t', plainSql: false })).toBeUndefined();
    expect(extractSql({ text: 'I cannot answer that.' })).toBeUndefined();
  });
});

// In a worker with a wall-clock limit: a quadratic strip or a stuck loop fails the test instead of stopping the suite.
describe('extractSql properties', () => {
  const module = new URL('./extract-sql.properties.ts', import.meta.url);

  it("follows FlagAI's rule (and the plain-SQL one) on any model output", async () => {
    await checkPropertyInWorker({ module, exportName: 'extractsByFlagaisRule', timeoutMs: 120_000 });
  });

  it('strips an output with millions of spaces inside in linear time', async () => {
    await checkPropertyInWorker({ module, exportName: 'longRunsOfSpacesInLinearTime', timeoutMs: 120_000 });
  });
});
