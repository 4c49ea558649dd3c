import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Test scaffolding of @aquila/text-to-sql: a converted model that answers every prompt with one SQL.
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { spiderDatabase } from '@aquila/test-kit';
import { TextToSqlOptionsError } from '@aquila/text-to-sql';
import { afterAll, beforeAll, expect, it } from 'vitest';
// Test scaffolding of @aquila/text-to-sql: a model whose SQL fails and whose repair runs.
import { repairScripts } from '../../../../packages/text-to-sql/src/test-support/repair-scripts.js';
import { runCommand } from '../test-support/capture-output.js';
import { registerSqlCommand } from './sql.js';

let scripted: ScriptedModel;
let directory: string;
beforeAll(async () => {
  scripted = await writeScriptedModel({ scripts: [{ output: 'SELECT name, age FROM singer' }] });
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-sql-'));
});
afterAll(async () => {
  await scripted?.remove();
  await rm(directory, { recursive: true, force: true });
});

const run = (argv: string[]) =>
  runCommand(registerSqlCommand, [
    'sql',
    '--model',
    scripted.path,
    '--threads',
    '1',
    '--db',
    spiderDatabase('concert_singer'),
    ...argv,
  ]);

it('aquila sql prints the generated SQL and its rows as a table, capped by --max-rows', async () => {
  const { out, err } = await run(['How old are the singers?', '--max-rows', '2']);
  expect(out).toBe(
    'SELECT name, age FROM singer\n\nName      | Age\n----------+----\nJoe Sharp | 52\nTimbaland | 32\n(2 rows; more not shown)\n',
  );
  expect(err).toMatch(/\[stop: \d+ prompt \+ 6 completion tokens\]/);
});

it('aquila sql --no-execute --json --show-prompt gives the prompt, the checks and no rows', async () => {
  const { out } = await run(['How old are the singers?', '--no-execute', '--json']);
  const answer = JSON.parse(out) as Record<string, unknown>;
  expect(answer).toMatchObject({
    sql: 'SELECT name, age FROM singer',
    extracted: true,
    parses: true,
    finishReason: 'stop',
  });
  expect(answer.prompt).toContain('表名为singer，包含的属性为singer.singer_id,singer.name,');
  expect(answer.result).toBeUndefined();
  const shown = await run([
    'How old are the singers?',
    '--no-execute',
    '--show-prompt',
    '--template',
    await template(),
  ]);
  expect(shown.out).toContain(
    '-- prompt\nQ: How old are the singers?\nstadium(Stadium_ID INT, Location TEXT, Name TEXT, Capacity INT, Highest INT, Lowest INT, Average INT)\nsinger(Singer_ID INT, Name TEXT,',
  );
  expect(
    shown.out.endsWith('singer_in_concert(concert_ID INT, Singer_ID TEXT)\n\nSELECT name, age FROM singer\n\n'),
  ).toBe(true);
});

async function template(): Promise<string> {
  const file = join(directory, 'template.txt');
  await writeFile(file, 'Q: {question}\n{schema}');
  return file;
}

it('aquila sql rejects a missing model choice and unknown presets with typed errors', async () => {
  await expect(runCommand(registerSqlCommand, ['sql', '--db', spiderDatabase('concert_singer'), 'q'])).rejects.toThrow(
    TextToSqlOptionsError,
  );
  await expect(run(['q', '--preset', 'hot'])).rejects.toThrow(/unknown generation preset "hot"/);
});

it('aquila sql --samples N prints each candidate with what running it gave, the groups, then the answer', async () => {
  const { out } = await run(['How old are the singers?', '--samples', '3', '--temperature', '0.05', '--max-rows', '1']);
  expect(out).toBe(
    [
      '-- candidate 0 (seed 0): 6 rows, group 1',
      'SELECT name, age FROM singer',
      '-- candidate 1 (seed 1): 6 rows, group 1',
      'SELECT name, age FROM singer',
      '-- candidate 2 (seed 2): 6 rows, group 1',
      'SELECT name, age FROM singer',
      '-- groups by spider equality: 1: [0, 1, 2] (3); candidate 0 answers (group 1)',
      '',
      'SELECT name, age FROM singer',
      '',
      'Name      | Age',
      '----------+----',
      'Joe Sharp | 52',
      '(1 row; more not shown)',
      '',
    ].join('\n'),
  );
  const json = JSON.parse(
    (
      await run([
        'How old are the singers?',
        '--samples',
        '2',
        '--temperature',
        '0.05',
        '--json',
        '--vote-equality',
        'exact',
      ])
    ).out,
  ) as Record<string, unknown>;
  expect(json).toMatchObject({
    sql: 'SELECT name, age FROM singer',
    vote: { equality: 'exact', groups: [[0, 1]], sizes: [2], chosen: 0 },
    result: { columns: ['Name', 'Age'] },
  });
});

it('aquila sql --repair R sends a failing SQL back with its error and prints the rounds', async () => {
  const failing = await writeScriptedModel({
    scripts: repairScripts,
  });
  try {
    const argv = ['sql', '--model', failing.path, '--threads', '1', '--db', spiderDatabase('concert_singer')];
    const { out } = await runCommand(registerSqlCommand, [...argv, 'How many singers?', '--repair', '1']);
    expect(out).toBe(
      'SELECT * FROM nowhere\n-- does not parse in the Spider grammar: unknown table or alias nowhere (Spider grammar; tokens: select * from nowhere)\n\n' +
        '-- repair 1: 1 row\nselect count(*) from singer\n\nselect count(*) from singer\n\ncount(*)\n--------\n6\n(1 row)\n',
    );
    const json = JSON.parse(
      (await runCommand(registerSqlCommand, [...argv, 'How many singers?', '--repair', '2', '--json'])).out,
    );
    expect(json).toMatchObject({
      sql: 'select count(*) from singer',
      repairs: [{ round: 1, failedSql: 'SELECT * FROM nowhere', error: null, rows: 1 }],
      result: { rows: [[6]] },
    });
  } finally {
    await failing.remove();
  }
});

it('aquila sql rejects --samples with greedy sampling or without execution as usage errors', async () => {
  await expect(run(['q', '--samples', '3', '--preset', 'greedy'])).rejects.toThrow(/gives 3 equal candidates/);
  await expect(run(['q', '--samples', '3', '--no-execute'])).rejects.toThrow(
    /--samples runs the SQL; drop --no-execute/,
  );
  await expect(run(['q', '--vote-equality', 'bird'])).rejects.toThrow(/add --samples N/);
});
