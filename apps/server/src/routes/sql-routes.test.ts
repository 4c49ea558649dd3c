// Test scaffolding of @aquila/text-to-sql: counts this process's execution child processes.

import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { childProcesses, needs, spiderDatabase } from '@aquila/test-kit';
import { type SqlVote, sqlRepairTemplate } from '@aquila/text-to-sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../start-server.js';
import { serverScripts } from '../test-support/server-scripts.js';
import { withPlayground } from '../test-support/with-playground.js';

/** The native SQLite execution processes this process runs now (one per execution pool). */
const executionProcesses = (): number => childProcesses({ parent: process.pid, command: 'execution-process' }).length;

/** Through a `{question}` template, a question whose SQL fails; the repair prompt (it ends as the template) gets SQL that runs. */
const repairScripts = {
  failing: { after: 'Count the performers', output: 'Select name From nowhere' },
  repaired: { after: `${sqlRepairTemplate}\n`, output: serverScripts.sql.output },
} as const;

let scripted: ScriptedModel;
let server: RunningServer;
let before: number;

beforeAll(async () => {
  before = executionProcesses();
  scripted = await writeScriptedModel({ scripts: [...Object.values(serverScripts), ...Object.values(repairScripts)] });
  server = await startServer({
    model: scripted.path,
    port: 0,
    log: null,
    databases: [{ name: 'concert_singer', file: spiderDatabase('concert_singer') }],
  });
});
afterAll(async () => {
  await server?.close({ drainTimeoutMs: 0 });
  await scripted?.remove();
});

const ask = async (fields: Record<string, unknown>): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${server.url}/v1/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ database: 'concert_singer', question: 'How many singers do we have?', ...fields }),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, body: await response.json() };
};

const processList = needs({ processList: true });

describe('/v1/sql timeout_ms', () => {
  it('must be an integer from 1 to 60000', async () => {
    for (const timeout of [0, -5, 60_001, 1e12, 2.5, '100']) {
      const answer = await ask({ timeout_ms: timeout });
      expect([timeout, answer.status]).toEqual([timeout, 400]);
      expect(answer.body.error.message).toMatch(/^"timeout_ms" must be an integer ≥ 1 and ≤ 60000, got /);
    }
  });

  it.skipIf(processList.skip)(
    `lets no client start child processes without bound, one timeout after another ${processList.label}`,
    async () => {
      const counts: number[] = [];
      for (const timeout of [3_001, 3_002, 3_003, 3_004, 3_005]) {
        const answer = await ask({ timeout_ms: timeout });
        expect(answer.body).toMatchObject({ sql: serverScripts.sql.output, result: { rows: [[6]] } });
        counts.push(executionProcesses() - before);
      }
      // Two pools per database at most, one child process each.
      expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    },
  );
});

/** The named events of an SSE answer, in order. */
async function askStreamed(fields: Record<string, unknown>): Promise<{ type: string; data: any }[]> {
  const response = await fetch(`${server.url}/v1/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      database: 'concert_singer',
      question: 'How many singers do we have?',
      stream: true,
      ...fields,
    }),
    signal: AbortSignal.timeout(60_000),
  });
  expect(response.status).toBe(200);
  return (await response.text())
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const [, type, data] = /^event: (.+)\ndata: (.+)$/.exec(block) as RegExpExecArray;
      return { type: type as string, data: JSON.parse(data as string) };
    });
}

/**
 * The vote's rule, checked against its own candidates: the candidates that ran are grouped, each exactly once,
 * in order of their index within a group and of first members across groups, the members of a group with the
 * first member's row count; the failed ones are in no group; the largest group wins (the first on a tie), and
 * its first member is chosen (candidate 0 when none ran).
 */
function expectConsistentVote(vote: SqlVote, samples: number): void {
  expect(vote.candidates.map((candidate) => candidate.index)).toEqual([...Array(samples).keys()]);
  const ran = vote.candidates.filter((candidate) => candidate.error === null).map((candidate) => candidate.index);
  expect(vote.groups.flat().sort((left, right) => left - right)).toEqual(ran);
  for (const candidate of vote.candidates) expect(candidate.rows === null).toBe(candidate.error !== null);
  for (const group of vote.groups) {
    expect(group).toEqual([...group].sort((left, right) => left - right));
    for (const member of group) expect(vote.candidates[member]?.rows).toBe(vote.candidates[group[0] as number]?.rows);
  }
  const firsts = vote.groups.map((group) => group[0] as number);
  expect(firsts).toEqual([...firsts].sort((left, right) => left - right));
  expect(vote.sizes).toEqual(vote.groups.map((group) => group.length));
  if (vote.groups.length === 0) expect([vote.winner, vote.chosen]).toEqual([null, 0]);
  else {
    expect(vote.winner).toBe(vote.sizes.indexOf(Math.max(...vote.sizes)));
    expect(vote.chosen).toBe(vote.groups[vote.winner as number]?.[0]);
  }
}

// The scripted model's next token stands far above the rest: the sampled preset (temperature 0.8, top-p 0.95) keeps
// every candidate on its script, so the candidates are known.
describe('/v1/sql samples, vote and repair', () => {
  it('samples 3 candidates, runs them, and answers with the vote: groups, sizes and the chosen one', async () => {
    const { status, body } = await ask({ samples: 3 });
    expect(status).toBe(200);
    expectConsistentVote(body.vote, 3);
    expect(body.vote).toMatchObject({ equality: 'spider', groups: [[0, 1, 2]], sizes: [3], winner: 0, chosen: 0 });
    expect(
      body.vote.candidates.map((candidate: any) => [candidate.seed, candidate.sql, candidate.error, candidate.rows]),
    ).toEqual([0, 1, 2].map((seed) => [seed, serverScripts.sql.output, null, 1]));
    expect(body.vote.timings).toEqual({ generationMs: expect.any(Number), executionMs: expect.any(Number) });
    expect(body).toMatchObject({
      sql: serverScripts.sql.output,
      text: serverScripts.sql.output,
      result: { rows: [[6]] },
    });
    expect(body.usage.completionTokens).toBe(
      body.vote.candidates.reduce((sum: number, candidate: any) => sum + candidate.usage.completionTokens, 0),
    );
    expect(body.repairs).toBeUndefined();
    // One sample is today's answer: no vote.
    expect((await ask({})).body.vote).toBeUndefined();
  });

  it('keeps the vote consistent with its candidates when some of them fail', async () => {
    // At temperature 2 over the whole vocabulary a candidate now and then leaves the script, and its SQL fails:
    // the first seeds whose candidates both ran and failed.
    let mixed = 0;
    for (let seed = 0; seed < 16 * 8 && mixed < 2; seed += 16) {
      const { status, body } = await ask({
        samples: 16,
        temperature: 2,
        top_p: 1,
        seed,
        max_tokens: 8,
        vote_equality: 'bird',
      });
      expect(status).toBe(200);
      expect(body.vote.equality).toBe('bird');
      expect(body.vote.candidates.map((candidate: any) => candidate.seed)).toEqual(
        [...Array(16).keys()].map((index) => seed + index),
      );
      expectConsistentVote(body.vote, 16);
      const chosen = body.vote.candidates[body.vote.chosen];
      expect(body.sql).toBe(chosen.sql);
      expect(body.result === undefined).toBe(chosen.error !== null);
      const errors = body.vote.candidates.map((candidate: any) => candidate.error);
      if (errors.includes(null) && errors.some((error: string | null) => error !== null)) mixed += 1;
    }
    expect(mixed).toBe(2);
  });

  it('streams the candidates as they are generated, then the vote, the answer and its rows', async () => {
    const events = await askStreamed({ samples: 3 });
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('prompt');
    expect(types.slice(-4)).toEqual(['vote', 'sql', 'result', 'end']);
    const generation = events.slice(1, -4);
    expect(generation.every((event) => event.type === 'candidate-delta' || event.type === 'candidate')).toBe(true);
    const candidates = generation.filter((event) => event.type === 'candidate').map((event) => event.data.candidate);
    expect(candidates.map((candidate) => candidate.index).sort()).toEqual([0, 1, 2]);
    for (const candidate of candidates) {
      const deltas = generation.filter(
        (event) => event.type === 'candidate-delta' && event.data.index === candidate.index,
      );
      expect(deltas.map((event) => event.data.text).join('')).toBe(candidate.text);
      // Its deltas come before it.
      expect(generation.indexOf(deltas.at(-1) as (typeof generation)[number])).toBeLessThan(
        generation.findIndex((event) => event.type === 'candidate' && event.data.candidate.index === candidate.index),
      );
    }
    const { vote } = (events.at(-4) as { data: { vote: SqlVote } }).data;
    expectConsistentVote(vote, 3);
    expect(vote.candidates.map((candidate: any) => candidate.text)).toEqual(
      [0, 1, 2].map((index) => candidates.find((candidate) => candidate.index === index).text),
    );
    expect(events.at(-3)?.data).toMatchObject({ sql: serverScripts.sql.output, extracted: true });
    expect(events.at(-2)?.data.rows).toEqual([[6]]);
  });

  it('repairs an answer whose SQL fails: every candidate failed, the round that ran is the answer', async () => {
    const failing = { question: repairScripts.failing.after, template: { text: '{question}' } };
    const { body } = await ask({
      ...failing,
      samples: 3,
      repair: { rounds: 2, time_budget_ms: 30_000 },
    });
    expectConsistentVote(body.vote, 3);
    expect(body.vote).toMatchObject({ groups: [], sizes: [], winner: null, chosen: 0 });
    for (const candidate of body.vote.candidates) {
      expect(candidate.sql).toBe(repairScripts.failing.output);
      expect(candidate.error).toMatch(/no such table: nowhere/);
    }
    expect(body.repairs).toEqual([
      expect.objectContaining({
        round: 1,
        failedSql: repairScripts.failing.output,
        failedError: expect.stringMatching(/no such table: nowhere/),
        sql: serverScripts.sql.output,
        error: null,
        rows: 1,
      }),
    ]);
    expect(body).toMatchObject({ sql: serverScripts.sql.output, result: { rows: [[6]] } });
    expect(body.error).toBeUndefined();

    // One sample, streamed: the failing SQL, the round's text as it comes, the round, the repaired SQL and its rows.
    const events = await askStreamed({ ...failing, repair: { rounds: 1 } });
    const types = events.map((event) => event.type).filter((type) => type !== 'text-delta' && type !== 'repair-delta');
    expect(types).toEqual(['prompt', 'sql', 'repair', 'sql', 'result', 'end']);
    expect(
      events
        .filter((event) => event.type === 'repair-delta')
        .map((event) => event.data.text)
        .join(''),
    ).toBe(serverScripts.sql.output);
    expect(events.find((event) => event.type === 'repair')?.data.repair).toMatchObject({ round: 1, error: null });

    // Without repair the failure is the answer.
    const unrepaired = (await ask(failing)).body;
    expect(unrepaired).toMatchObject({ sql: repairScripts.failing.output, error: { stage: 'execution' } });
    expect(unrepaired.repairs).toBeUndefined();
  });

  it('answers a 400 that names the field for bad samples, repair, vote_equality and sampling', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ samples: 0 }, /^"samples" must be an integer ≥ 1 and ≤ 16, got 0\.$/],
      [{ samples: 17 }, /^"samples" must be an integer ≥ 1 and ≤ 16, got 17\.$/],
      [{ samples: 2.5 }, /^"samples" must be an integer/],
      [{ samples: '3' }, /^"samples" must be an integer/],
      [{ repair: 1 }, /^"repair" must be an object \{"rounds"/],
      [{ repair: { rounds: 17 } }, /^repair\.rounds must be an integer ≥ 0 and ≤ 16, got 17\.$/],
      [{ repair: {} }, /^repair\.rounds must be an integer/],
      [{ repair: { rounds: 1, time_budget_ms: 0 } }, /^repair\.time_budget_ms must be an integer ≥ 1/],
      [{ vote_equality: 'sets' }, /^"vote_equality" must be "spider", "bird" or "exact", got "sets"\.$/],
      [{ samples: 3, temperature: 0 }, /^"samples" 3 needs "temperature" above 0 \(got 0\)/],
      [{ samples: 3, preset: 'greedy' }, /^"samples" 3 needs "temperature" above 0 \(got 0 from preset "greedy"\)/],
      [{ samples: 3, execute: false }, /a vote of samples runs the SQL on the database/],
      [{ top_p: 0 }, /^"top_p" must be a number > 0 and ≤ 1, got 0\.$/],
    ];
    for (const [fields, message] of cases) {
      const answer = await ask(fields);
      expect([fields, answer.status]).toEqual([fields, 400]);
      expect([fields, answer.body.error.message]).toEqual([fields, expect.stringMatching(message)]);
    }
  });
});

const chromiumBrowser = needs({ chromium: true });

describe('the playground page with samples and repair', () => {
  it.skipIf(chromiumBrowser.skip)(
    `shows the failed candidates, then the repair round and its answer ${chromiumBrowser.label}`,
    () =>
      withPlayground({
        url: server.url,
        database: 'concert_singer',
        use: async (page) => {
          // The page asks with the Spider prompt; the failing script answers a bare `{question}` prompt.
          await page.route('**/v1/sql', (route) =>
            route.continue({
              postData: JSON.stringify({
                ...JSON.parse(route.request().postData() as string),
                template: { text: '{question}' },
              }),
            }),
          );
          await page.fill('#samples', '3');
          await page.fill('#repair', '1');
          await page.fill('#question', repairScripts.failing.after);
          await page.click('#ask');
          await page.waitForSelector('#result td');
          const rows = await page.$$eval('#vote tr[data-candidate]', (trs) =>
            trs.map((tr) => [
              tr.getAttribute('data-group'),
              tr.getAttribute('class') ?? '',
              tr.querySelectorAll('td.failed').length,
            ]),
          );
          expect(rows).toEqual([
            ['failed', 'chosen', 1],
            ['failed', '', 1],
            ['failed', '', 1],
          ]);
          expect(await page.textContent('#vote-summary')).toMatch(
            /^3 candidates, none ran, spider equality; chosen #0/,
          );
          expect(await page.textContent('#repairs pre')).toBe(serverScripts.sql.output);
          expect(await page.textContent('#repairs .repair-outcome')).toMatch(
            /^round 1: ran, 1 row \(sent back: .*no such table: nowhere\.\)$/,
          );
          expect(await page.textContent('#sql')).toBe(serverScripts.sql.output);
          expect(await page.textContent('#result td')).toBe('6');
        },
      }),
    120_000,
  );
});
