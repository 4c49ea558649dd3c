// Test scaffolding of @aquila/text-to-sql: counts this process's execution child processes.

import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { childProcesses, needs, spiderDatabase } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../start-server.js';
import { serverScripts } from '../test-support/server-scripts.js';

/** The native SQLite execution processes this process runs now (one per execution pool). */
const executionProcesses = (): number => childProcesses({ parent: process.pid, command: 'execution-process' }).length;

let scripted: ScriptedModel;
let server: RunningServer;
let before: number;

beforeAll(async () => {
  before = executionProcesses();
  scripted = await writeScriptedModel({ scripts: Object.values(serverScripts) });
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
