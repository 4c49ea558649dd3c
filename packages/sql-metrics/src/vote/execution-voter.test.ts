import { spiderDatabase } from '@aquila/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecutionVoter } from './execution-voter.js';

const database = spiderDatabase('concert_singer');

describe('ExecutionVoter', () => {
  const voter = new ExecutionVoter({ equality: 'spider', workers: 1, timeoutMs: 2000 });
  afterAll(() => voter.close());

  it('runs the candidates as written, drops the failures and records the whole vote', async () => {
    const vote = await voter.vote({
      database,
      candidates: [
        'SELECT name FROM singer WHERE age > 40',
        'SELECT count(*) FROM singer',
        'SELECT * FROM no_such_table',
        'select count(*) from singer',
        '  -- nothing',
        'SELECT count(singer_id) FROM singer',
      ],
    });
    expect(vote.groups).toEqual([[0], [1, 3, 5]]);
    expect(vote.chosen).toBe(1);
    expect(vote.winner).toBe(1);
    expect(vote.candidates.map(({ error }) => error !== null)).toEqual([false, false, true, false, true, false]);
    expect(vote.candidates[2]?.error).toMatch(/no such table/);
    expect(vote.candidates[1]?.rows).toBe(1);
    expect(vote.candidates[1]?.ms).toBeGreaterThanOrEqual(0);
  });

  it('does what the README example says', async () => {
    const vote = await voter.vote({
      database,
      candidates: ['SELECT count(*) FROM singer', 'SELECT name FROM singer', 'select count(*) from singer'],
    });
    expect(vote).toMatchObject({ chosen: 0, groups: [[0, 2], [1]] });
  });

  it('runs a (database, SQL) pair once', async () => {
    const before = voter.counts;
    const vote = await voter.vote({
      database,
      candidates: ['SELECT count(*) FROM singer', 'SELECT count(*) FROM singer'],
    });
    expect(vote.candidates.map(({ cached }) => cached)).toEqual([true, true]);
    expect(voter.counts.executions).toBe(before.executions);
    expect(voter.counts.cacheHits).toBe(before.cacheHits + 2);
  });

  it('counts a query past the timeout as failed and the first candidate wins when all fail', async () => {
    const slow = new ExecutionVoter({ workers: 1, timeoutMs: 300 });
    try {
      const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
      const vote = await slow.vote({ database, candidates: [endless, 'SELECT * FROM nowhere'] });
      expect(vote.candidates[0]?.error).toMatch(/^timeout/);
      expect(vote).toMatchObject({ groups: [], winner: null, chosen: 0 });
    } finally {
      await slow.close();
    }
  }, 30_000);
});
