import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureOutput } from '../test-support/capture-output.js';
import { registerPullCommand } from './pull.js';

const files: Record<string, Buffer> = {
  'config.json': Buffer.from('{"hidden_size": 8}'),
  'model.safetensors': Buffer.alloc(4096, 3),
};
let server: Server;
let endpoint: string;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-pull-'));
  server = createServer((request, response) => {
    if (request.url?.startsWith('/api/models/org/tiny/tree/main')) {
      response.end(
        JSON.stringify(
          Object.entries(files).map(([path, content]) => ({
            type: 'file',
            path,
            size: content.length,
            lfs: { oid: createHash('sha256').update(content).digest('hex'), size: content.length },
          })),
        ),
      );
      return;
    }
    const content = files[request.url?.replace('/org/tiny/resolve/main/', '') ?? ''];
    response.statusCode = content ? 200 : 404;
    response.end(content ?? 'missing');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(directory, { recursive: true, force: true });
});

it('aquila pull downloads a repository with progress lines', async () => {
  const context = captureOutput();
  const program = new Command().exitOverride();
  registerPullCommand(program, context);
  await program.parseAsync(['pull', 'org/tiny', '--out', directory, '--endpoint', endpoint], { from: 'user' });
  expect(context.output()).toBe(`pulled org/tiny@main into ${directory}: 2 files\n`);
  expect(context.errors()).toMatch(/\[2\/2\] model.safetensors 100%/);
  expect(await readFile(join(directory, 'config.json'), 'utf8')).toBe('{"hidden_size": 8}');
  await expect(
    program.parseAsync(['pull', 'org/other', '--out', directory, '--endpoint', endpoint], { from: 'user' }),
  ).rejects.toThrow(/HTTP 404/);
});
