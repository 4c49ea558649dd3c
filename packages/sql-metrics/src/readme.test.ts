import { readFileSync } from 'node:fs';
import { spiderDirectory } from '@aquila/test-kit';
import { expect, it } from 'vitest';
import {
  exactMatch,
  executionMatch,
  extractSql,
  hardness,
  parseSql,
  schemaFromTablesJson,
  type TablesJsonEntry,
} from './index.js';

it('the README building-blocks example says what it does', async () => {
  const tablesJson = JSON.parse(readFileSync(`${spiderDirectory}tables.json`, 'utf8')) as TablesJsonEntry[];
  const schema = schemaFromTablesJson(tablesJson.find((entry) => entry.db_id === 'concert_singer') as TablesJsonEntry);
  const gold = parseSql({ sql: 'SELECT name FROM singer WHERE age > 40', schema });
  const pred = parseSql({ sql: 'SELECT name FROM singer WHERE age > 20', schema });
  expect(hardness({ sql: gold })).toBe('easy');
  expect(exactMatch({ pred, gold, schema }).exact).toBe(1);
  const databases = [`${spiderDirectory}database/concert_singer/concert_singer.sqlite`];
  expect(await executionMatch({ gold: 'SELECT name FROM singer', pred: 'SELECT Name FROM singer', databases })).toEqual(
    { exec: 1, predRuns: true },
  );
  expect(extractSql({ text: 'Sure:\n```sql\nSELECT 1\n```' })).toEqual({ sql: 'SELECT 1', source: 'fenced' });
});
