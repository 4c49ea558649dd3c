import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it, vi } from 'vitest';
import { sharedFixtures } from './shared-fixtures.js';

afterEach(() => vi.unstubAllEnvs());

it('finds shared/fixtures beside the checkout by walking up', () => {
  vi.stubEnv('AQUILA_SHARED_FIXTURES', '');
  expect(sharedFixtures('spider-dev')).toBe(fileURLToPath(new URL('../../../../shared/fixtures/spider-dev', import.meta.url)));
  expect(sharedFixtures('no-such-fixture-set')).toBeUndefined();
});

it('takes AQUILA_SHARED_FIXTURES over the walk, and says undefined when the set is not there', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'aquila-fixtures-'));
  try {
    await mkdir(join(directory, 'spider-dev'));
    vi.stubEnv('AQUILA_SHARED_FIXTURES', directory);
    expect(sharedFixtures('spider-dev')).toBe(join(directory, 'spider-dev'));
    expect(sharedFixtures('flagai')).toBeUndefined();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
