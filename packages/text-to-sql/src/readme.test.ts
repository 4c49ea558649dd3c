import { readFileSync } from 'node:fs';
import { LanguageModel } from '@aquila/runtime';
import { writeScriptedModel } from '@aquila/runtime/testing';
import { spiderDatabase } from '@aquila/test-kit';
import { expect, it } from 'vitest';
import { SqlDatabase, streamAskDatabase } from './index.js';

it('the README example runs as written (on a scripted model and a shared database) and prints what it says', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(
    "for await (const event of streamAskDatabase({ model, database, question: 'How many singers do we have?' })) {",
  );
  const scripted = await writeScriptedModel({ scripts: [{ output: 'SELECT count(*) FROM singer' }] });
  const model = await LanguageModel.load({ path: scripted.path, threads: 1 });
  const database = await SqlDatabase.open({ file: spiderDatabase('concert_singer') });
  const printed: unknown[] = [];
  try {
    for await (const event of streamAskDatabase({ model, database, question: 'How many singers do we have?' })) {
      if (event.type === 'text-delta') printed.push(event.text);
      if (event.type === 'sql') printed.push(event.sql, event.parses ? 'parses' : event.parseError);
      if (event.type === 'result') printed.push(event.rows);
      if (event.type === 'error') printed.push(event.message);
    }
  } finally {
    await database.close();
    await model.release();
    await scripted.remove();
  }
  expect(printed.slice(-3)).toEqual(['SELECT count(*) FROM singer', 'parses', [[6]]]);
  expect(printed.slice(0, -3).join('')).toBe('SELECT count(*) FROM singer');
});
