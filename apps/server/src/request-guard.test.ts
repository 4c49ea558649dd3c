import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestError } from './errors.js';
import { requestGuard } from './request-guard.js';
import { type RunningServer, startServer } from './start-server.js';
import { serverScripts } from './test-support/server-scripts.js';

let scripted: ScriptedModel;
let server: RunningServer;
const corsOrigin = 'http://app.example.com';

beforeAll(async () => {
  scripted = await writeScriptedModel({ scripts: Object.values(serverScripts) });
  server = await startServer({
    model: scripted.path,
    port: 0,
    log: null,
    allowedHosts: ['gpu-box.lan', '.example.org'],
    corsOrigins: [corsOrigin],
  });
});
afterAll(async () => {
  await server?.close({ drainTimeoutMs: 0 });
  await scripted?.remove();
});

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP/1.1 request with exactly the headers given (fetch would set Host and Origin itself), with a bounded wait. */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: { host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        response.on('error', reject);
      },
    );
    sent.setTimeout(30_000, () => sent.destroy(new Error(`no answer to ${path} within 30 s`)));
    sent.on('error', reject);
    sent.end(options.body);
  });
}

const json = { 'content-type': 'application/json' };
const completion = JSON.stringify({ prompt: serverScripts.greeting.after, max_tokens: 8 });
const errorOf = (answer: RawAnswer): { message: string; type: string; code: string } =>
  (JSON.parse(answer.body) as { error: { message: string; type: string; code: string } }).error;

describe('the Host check (DNS rebinding)', () => {
  it('answers loopback names with any port, the --allowed-host names and their domains', async () => {
    for (const host of [
      `127.0.0.1:${server.port}`,
      'localhost',
      `localhost:${server.port}`,
      `[::1]:${server.port}`,
      'LOCALHOST.',
      'gpu-box.lan:80',
      'example.org',
      'api.example.org:9175',
    ]) {
      const answer = await raw('/health', { headers: { host } });
      expect([host, answer.status]).toEqual([host, 200]);
    }
  });

  it('refuses any other Host with a 403 that says how to allow it, on every route', async () => {
    for (const [host, path] of [
      [`attacker.example:${server.port}`, '/health'],
      ['example.org.attacker.example', '/v1/models'],
      ['0.0.0.0', '/'],
      ['192.168.1.20:9175', '/health'],
    ] as const) {
      const answer = await raw(path, { headers: { host } });
      expect([host, answer.status]).toEqual([host, 403]);
      expect(errorOf(answer)).toMatchObject({
        type: 'permission_error',
        message: expect.stringMatching(/does not answer to the Host .*start it with --allowed-host/),
      });
    }
    const answer = await raw('/v1/completions', {
      headers: { ...json, host: 'rebound.attacker.example:9175' },
      body: completion,
    });
    expect(answer.status).toBe(403);
    expect(errorOf(answer).message).toMatch(/--allowed-host rebound\.attacker\.example\.$/);
  });
});

describe('cross-origin browser requests', () => {
  it("serve the server's own pages: same-origin POSTs and plain programs without Origin", async () => {
    expect(
      (
        await raw('/v1/completions', {
          headers: { ...json, origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin' },
          body: completion,
        })
      ).status,
    ).toBe(200);
    expect((await raw('/v1/completions', { headers: json, body: completion })).status).toBe(200);
    // A link followed from another site opens the playground (the other site cannot read it).
    expect((await raw('/', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } })).status).toBe(
      200,
    );
  });

  it('refuse pages of other origins, also when only Sec-Fetch-Site tells', async () => {
    const posted = await raw('/v1/completions', {
      headers: { ...json, origin: 'http://attacker.example' },
      body: completion,
    });
    expect(posted.status).toBe(403);
    expect(errorOf(posted).message).toMatch(
      /cross-origin request from "http:\/\/attacker\.example" refused.*--cors-origin http:\/\/attacker\.example\.$/,
    );
    expect(posted.headers['access-control-allow-origin']).toBeUndefined();
    // Another port on the same machine is another origin.
    expect((await raw('/v1/models', { headers: { origin: 'http://127.0.0.1:1' } })).status).toBe(403);
    expect((await raw('/v1/models', { headers: { origin: 'null' } })).status).toBe(403);
    expect(
      (await raw('/v1/models', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' } })).status,
    ).toBe(403);
    const preflight = await raw('/v1/completions', {
      method: 'OPTIONS',
      headers: { origin: 'http://attacker.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
  });

  it('serve a --cors-origin with CORS headers, preflights included, and on error answers too', async () => {
    const preflight = await raw('/v1/completions', {
      method: 'OPTIONS',
      headers: {
        origin: corsOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-stainless-os',
        'access-control-request-private-network': 'true',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': corsOrigin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type, x-stainless-os',
      'access-control-allow-private-network': 'true',
      vary: 'Origin',
    });
    const answer = await raw('/v1/completions', {
      headers: { ...json, origin: corsOrigin, 'sec-fetch-site': 'cross-site' },
      body: completion,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).choices[0].text).toBe(serverScripts.greeting.output);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': corsOrigin,
      'access-control-expose-headers': 'x-request-id, retry-after',
    });
    const failed = await raw('/v1/completions', { headers: { ...json, origin: corsOrigin }, body: '{"prompt": ' });
    expect(failed.status).toBe(400);
    expect(failed.headers['access-control-allow-origin']).toBe(corsOrigin);
  });
});

describe('POST bodies', () => {
  it('must be application/json (charset allowed): forms and text/plain, which pages may POST anywhere, get 415', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      undefined,
    ]) {
      const answer = await raw('/v1/completions', {
        headers: type === undefined ? {} : { 'content-type': type },
        body: completion,
      });
      expect([type, answer.status]).toEqual([type, 415]);
      expect(errorOf(answer).message).toMatch(
        /^POST bodies must be JSON sent with "Content-Type: application\/json", got .*add -H 'Content-Type: application\/json'\.$/,
      );
    }
    expect(
      (
        await raw('/v1/completions', {
          headers: { 'content-type': 'Application/JSON; charset=utf-8' },
          body: completion,
        })
      ).status,
    ).toBe(200);
  });

  it("keep FlagAI's client working: requests.post(url, json=json.dumps({...})) sends application/json", async () => {
    const answer = await raw('/func', {
      headers: { 'content-type': 'application/json', 'user-agent': 'python-requests/2.31.0' },
      body: JSON.stringify(JSON.stringify({ prompt: serverScripts.greeting.after, temperature: 0 })),
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).completions[0].text).toBe('Hello world, hello sql.');
  });
});

describe('requestGuard', () => {
  // The address the server listens on is a valid Host, unless it is a wildcard: browsers reach 0.0.0.0 too.
  const statusFor = async (listening: string, host: string): Promise<number> => {
    const app = new Hono();
    app.use('*', requestGuard({ host: listening, allowedHosts: [], corsOrigins: [] }));
    app.onError((error, c) => c.text(error.message, RequestError.isInstance(error) ? error.status : 500));
    app.get('/', (c) => c.text('ok'));
    return (await app.request('/', { headers: { host } })).status;
  };

  it('answers the name or address it listens on, never a wildcard', async () => {
    expect(await statusFor('gpu-box', 'gpu-box:9175')).toBe(200);
    expect(await statusFor('10.0.0.5', '10.0.0.5:9175')).toBe(200);
    expect(await statusFor('fd00::5', '[fd00::5]:9175')).toBe(200);
    expect(await statusFor('gpu-box', 'other-box:9175')).toBe(403);
    expect(await statusFor('0.0.0.0', '0.0.0.0:9175')).toBe(403);
    expect(await statusFor('::', '[::]:9175')).toBe(403);
  });
});

describe('startServer', () => {
  it('rejects --allowed-host and --cors-origin values it cannot match, before loading the model', async () => {
    await expect(startServer({ model: '/nonexistent', allowedHosts: ['http://x/'] })).rejects.toThrow(
      /--allowed-host "http:\/\/x\/" is not a host name/,
    );
    await expect(startServer({ model: '/nonexistent', corsOrigins: ['app.example.com'] })).rejects.toThrow(
      /--cors-origin "app.example.com" is not an origin/,
    );
    await expect(startServer({ model: '/nonexistent', corsOrigins: ['https://app.example.com/path'] })).rejects.toThrow(
      /is not an origin/,
    );
  });
});
