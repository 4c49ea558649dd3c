// `aquila serve` and `aquila predict` as a user meets them: the built binary, a real converted model, real HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, runBuiltCli } from '../src/test-support/run-built-cli.js';

const tinySpider = fileURLToPath(new URL('./fixtures/tiny-spider/', import.meta.url));
let directory: string;
let scripted: ScriptedModel;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-serve-predict-'));
  await cp(tinySpider, join(directory, 'spider'), { recursive: true });
  scripted = await writeScriptedModel({ scripts: [{ after: 'Hello', output: ' SELECT count(*) FROM singer' }] });
}, 120_000);
afterAll(async () => {
  await scripted?.remove();
  await rm(directory, { recursive: true, force: true });
});

/** One raw HTTP request, so that Host, Origin and Content-Type are exactly what a test says. */
function send(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        hostname,
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        timeout: 30_000,
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

describe('aquila serve', () => {
  let child: ChildProcess;
  let url = '';
  beforeAll(async () => {
    child = spawn(
      process.execPath,
      [
        builtCli,
        'serve',
        '--model',
        scripted.path,
        '--port',
        '0',
        '--allowed-host',
        'gpu-box.lan',
        '--cors-origin',
        'http://localhost:3000',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const deadline = Date.now() + 90_000;
    while (!/listening on (http:\/\/[^ ]+) /.test(stdout)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`aquila serve did not start: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    url = /listening on (http:\/\/[^ ]+) /.exec(stdout)?.[1] as string;
  }, 120_000);
  afterAll(async () => {
    if (child?.exitCode === null) {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
  });

  const json = { 'content-type': 'application/json' };
  const completion = (body: unknown, headers: Record<string, string> = {}) =>
    send(url, {
      method: 'POST',
      path: '/v1/completions',
      headers: { ...json, ...headers },
      body: JSON.stringify(body),
    });

  it('answers loopback and allowed hosts, and refuses other Host headers (DNS rebinding)', async () => {
    expect((await send(url, { path: '/health' })).status).toBe(200);
    expect((await send(url, { path: '/health', headers: { host: 'gpu-box.lan:9175' } })).status).toBe(200);
    const rebound = await send(url, { path: '/v1/models', headers: { host: 'attacker.example:9175' } });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('--allowed-host');
  });

  it('refuses cross-origin browser requests unless --cors-origin allows them, and bodies that are not JSON', async () => {
    expect((await completion({ prompt: 'Hello', max_tokens: 2 }, { origin: 'https://evil.example' })).status).toBe(403);
    const allowed = await completion({ prompt: 'Hello', max_tokens: 2 }, { origin: 'http://localhost:3000' });
    expect(allowed.status).toBe(200);
    const form = await send(url, {
      method: 'POST',
      path: '/v1/completions',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ prompt: 'Hello', max_tokens: 2 }),
    });
    expect(form.status).toBe(415);
  });

  it('answers 400 when prompt + max_tokens exceed the context, instead of cutting silently', async () => {
    const tooLong = await completion({ prompt: 'Hello', max_tokens: 1e9 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toContain('context_length_exceeded');
    const fits = await completion({ prompt: 'Hello', max_tokens: 8 });
    expect(fits.status).toBe(200);
    expect(JSON.parse(fits.body).choices[0].text).toBe(' SELECT count(*) FROM singer');
  });
});

describe('aquila predict reruns', () => {
  it('refuses to continue a run with other settings, says which, and starts over with --restart', async () => {
    const out = join(directory, 'run');
    const args = [
      'predict',
      '--benchmark',
      'spider',
      '--questions',
      join(directory, 'spider', 'dev.json'),
      '--tables',
      join(directory, 'spider', 'tables.json'),
      '--db',
      join(directory, 'spider', 'database'),
      '--model',
      scripted.path,
      '--out',
      out,
      '--max-new-tokens',
      '4',
      '--concurrency',
      '1',
    ];
    const first = await runBuiltCli({ args, timeoutMs: 120_000 });
    expect(first.status, first.stderr).toBe(0);
    const timings = (record: string) =>
      (({ started_at, finished_at, elapsed_seconds }) => ({ started_at, finished_at, elapsed_seconds }))(
        JSON.parse(record) as Record<string, unknown>,
      );
    const finished = timings(await readFile(join(out, 'run.json'), 'utf8'));
    const again = await runBuiltCli({ args, timeoutMs: 120_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('2 reused, 0 generated');
    expect(timings(await readFile(join(out, 'run.json'), 'utf8'))).toEqual(finished);
    await writeFile(join(out, 'notes.md'), 'my notes');
    const raw = await readFile(join(out, 'raw_pred.jsonl'), 'utf8');
    const changed = await runBuiltCli({ args: [...args, '--preset', 'flagai'], timeoutMs: 120_000 });
    expect(changed.status).toBe(1);
    expect(changed.stderr).toMatch(
      /^aquila predict: .*preset greedy → flagai.*--restart.* \[AQUILA_TEXT_TO_SQL_RUN_SETTINGS_CHANGED\]\n$/,
    );
    expect(await readFile(join(out, 'raw_pred.jsonl'), 'utf8')).toBe(raw);
    const restarted = await runBuiltCli({ args: [...args, '--preset', 'flagai', '--restart'], timeoutMs: 120_000 });
    expect(restarted.status, restarted.stderr).toBe(0);
    expect((await readFile(join(out, 'raw_pred.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2);
    expect(await readFile(join(out, 'notes.md'), 'utf8')).toBe('my notes');
  }, 300_000);
});
