import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { embeddedSpider } from './embedded-spider.js';

it('ships the Spider questions the demo answers, with a database and a schema for each', () => {
  const folder = embeddedSpider();
  const dev = JSON.parse(readFileSync(join(folder, 'dev.json'), 'utf8')) as {
    db_id: string;
    question: string;
    query: string;
  }[];
  const tables = new Set(
    (JSON.parse(readFileSync(join(folder, 'tables.json'), 'utf8')) as { db_id: string }[]).map((entry) => entry.db_id),
  );
  expect(dev.length).toBeGreaterThanOrEqual(20);
  for (const { db_id: database } of dev) {
    expect(tables.has(database), database).toBe(true);
    expect(existsSync(join(folder, 'database', database, `${database}.sqlite`)), database).toBe(true);
  }
});
