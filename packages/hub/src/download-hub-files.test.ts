import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DownloadHubFilesOptions, downloadHubFiles } from './download-hub-files.js';
import { DownloadError } from './errors.js';
import { isModelFile } from './model-files.js';

const weights = Buffer.from(Array.from({ length: 300_000 }, (_, index) => (index * 7919) % 251));
const config = Buffer.from('{"hidden_size": 64}\n');
const files: Record<string, Buffer> = {
  'config.json': config,
  'model.safetensors': weights,
  'README.md': Buffer.from('# readme\n'),
  'sub/tokenizer.json': Buffer.from('{}'),
};
const gitOid = (content: Buffer) => createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

let server: Server;
let endpoint: string;
let workspace: { path: string; remove: () => Promise<void> };
const requests: string[] = [];
/** Connections to cut after this many bytes of model.safetensors, one entry per request. */
const cuts: number[] = [];
let corruptWeights = false;
/** Listings of other repositories, by tree URL path. */
const oddListings: Record<string, unknown[]> = {
  '/api/models/org/nul-path/tree/main': [{ type: 'file', path: 'config.json\u0000x', size: 3 }],
  '/api/models/org/negative-size/tree/main': [{ type: 'file', path: 'config.json', size: -1 }],
};

/** What `aquila pull` does: the model files of a repository, into a folder. */
const pullModel = (options: DownloadHubFilesOptions) => downloadHubFiles({ include: isModelFile, ...options });

beforeAll(async () => {
  const path = await mkdtemp(join(tmpdir(), 'aquila-hub-pull-'));
  workspace = { path, remove: () => rm(path, { recursive: true, force: true }) };
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push(`${request.headers.range ?? 'full'} ${url.pathname}`);
    const odd = oddListings[url.pathname];
    if (odd !== undefined) {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(odd));
      return;
    }
    if (url.pathname === '/api/models/org/tiny/tree/main') {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(
          Object.entries(files)
            .map(([path, content]) =>
              path === 'model.safetensors'
                ? {
                    type: 'file',
                    path,
                    size: content.length,
                    oid: 'x',
                    lfs: { oid: sha256(content), size: content.length },
                  }
                : { type: 'file', path, size: content.length, oid: gitOid(content) },
            )
            .concat([{ type: 'directory', path: 'sub' } as never]),
        ),
      );
      return;
    }
    const match = /^\/org\/tiny\/resolve\/main\/(.+)$/.exec(url.pathname);
    const content = match ? files[decodeURIComponent(match[1] as string)] : undefined;
    if (!content) {
      response.statusCode = 404;
      response.end('not found');
      return;
    }
    const body =
      corruptWeights && match?.[1] === 'model.safetensors' ? Buffer.from(content).fill(1, 1000, 1001) : content;
    const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
    response.statusCode = start > 0 ? 206 : 200;
    response.setHeader('content-length', body.length - start);
    const cut = match?.[1] === 'model.safetensors' ? cuts.shift() : undefined;
    if (cut !== undefined) {
      response.write(body.subarray(start, start + cut), () => setTimeout(() => response.destroy(), 50));
      return;
    }
    response.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await workspace.remove();
});

describe('downloadHubFiles of a model (against a hub on 127.0.0.1)', () => {
  it('downloads the model files, resuming a dropped connection with a range request', async () => {
    const directory = join(workspace.path, 'resume');
    requests.length = 0;
    cuts.push(100_000, 50_000);
    const progress: number[] = [];
    await pullModel({
      repo: 'org/tiny',
      directory,
      endpoint,
      onProgress: ({ downloadedBytes }) => progress.push(downloadedBytes),
    });
    expect((await readdir(directory)).sort()).toEqual(['config.json', 'model.safetensors', 'sub']);
    expect((await readFile(join(directory, 'model.safetensors'))).equals(weights)).toBe(true);
    expect(await readFile(join(directory, 'sub/tokenizer.json'), 'utf8')).toBe('{}');
    // How much of a cut response reaches the reader depends on timing; every retry must ask for the rest only.
    const weightRequests = requests.filter((line) => line.endsWith('model.safetensors'));
    expect(weightRequests).toHaveLength(3);
    expect(weightRequests[0]).toBe('full /org/tiny/resolve/main/model.safetensors');
    for (const line of weightRequests.slice(1)) expect(line).toMatch(/^bytes=[1-9]\d*- /);
    expect(progress.at(-1)).toBe(2);
  });

  it('resumes a partial file left by an earlier run and skips finished files', async () => {
    const directory = join(workspace.path, 'later');
    await pullModel({ repo: 'org/tiny', directory, endpoint, include: (path) => path === 'config.json' });
    await writeFile(join(directory, 'model.safetensors.incomplete'), weights.subarray(0, 123_456));
    requests.length = 0;
    await pullModel({ repo: 'org/tiny', directory, endpoint });
    expect(requests.filter((line) => line.includes('/resolve/'))).toEqual([
      'bytes=123456- /org/tiny/resolve/main/model.safetensors',
      'full /org/tiny/resolve/main/sub/tokenizer.json',
    ]);
    expect((await readFile(join(directory, 'model.safetensors'))).equals(weights)).toBe(true);
  });

  it('rejects a checksum mismatch and keeps nothing in place', async () => {
    const directory = join(workspace.path, 'corrupt');
    corruptWeights = true;
    try {
      await expect(pullModel({ repo: 'org/tiny', directory, endpoint })).rejects.toThrow(
        /model.safetensors: checksum mismatch/,
      );
    } finally {
      corruptWeights = false;
    }
    expect(await readdir(directory)).not.toContain('model.safetensors');
  });

  it('names the HTTP failure for an unknown repo, and gives up after the attempts', async () => {
    const error = await pullModel({ repo: 'org/missing', directory: join(workspace.path, 'missing'), endpoint }).catch(
      (caught: unknown) => caught,
    );
    expect(DownloadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/listing org\/missing .* failed with HTTP 404/);
    cuts.push(10, 10, 10);
    await expect(
      pullModel({ repo: 'org/tiny', directory: join(workspace.path, 'flaky'), endpoint, attempts: 3 }),
    ).rejects.toThrow(/model.safetensors/);
    cuts.length = 0;
  });

  it('never leaves a file under its final name when interrupted, and the next run resumes it', async () => {
    const directory = join(workspace.path, 'interrupted');
    const controller = new AbortController();
    const onProgress = ({ file, downloadedBytes }: { file: string; downloadedBytes: number }): void => {
      if (file === 'model.safetensors' && downloadedBytes > 100_000) controller.abort(new Error('stopped by the user'));
    };
    await expect(
      pullModel({ repo: 'org/tiny', directory, endpoint, signal: controller.signal, onProgress }),
    ).rejects.toThrow('stopped by the user');
    const names = await readdir(directory);
    expect(names).not.toContain('model.safetensors');
    expect(names).toContain('model.safetensors.incomplete');
    requests.length = 0;
    await pullModel({ repo: 'org/tiny', directory, endpoint });
    expect(requests.find((line) => line.endsWith('model.safetensors'))).toMatch(/^bytes=[1-9]\d*- /);
    expect((await readFile(join(directory, 'model.safetensors'))).equals(weights)).toBe(true);
    expect(await readdir(directory)).not.toContain('model.safetensors.incomplete');
  });

  it('refuses a listing whose file names or sizes are malformed, with a typed error', async () => {
    // Before: a NUL in the path reached mkdir (a TypeError), and a size of -1 was retried as a short download.
    for (const repo of ['org/nul-path', 'org/negative-size']) {
      const error = await pullModel({
        repo,
        directory: join(workspace.path, repo.replace('/', '-')),
        endpoint,
        attempts: 1,
        include: () => true,
      }).catch((caught: unknown) => caught);
      expect(DownloadError.isInstance(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(
        /escapes the download folder or is no file name|a size of -1 bytes, which is no size/,
      );
    }
  });
});
