import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanCacheDir } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadHubFiles } from './download-hub-files.js';
import { ChecksumMismatchError, DownloadError } from './errors.js';
import { listHubFiles } from './list-hub-files.js';
import { serveOnLoopback } from './test-support/serve-on-loopback.js';

const weights = Buffer.from(Array.from({ length: 200_000 }, (_, index) => (index * 31) % 256));
const config = Buffer.from('{"hidden_size": 8}');
const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');
const gitOid = (content: Buffer) => createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
const commit = 'c0ffee'.padEnd(40, '0');
const listing = [
  { type: 'file', path: 'config.json', size: config.length, oid: gitOid(config) },
  {
    type: 'file',
    path: 'model.safetensors',
    size: weights.length,
    oid: 'f'.repeat(40),
    lfs: { oid: sha256(weights), size: weights.length, pointerSize: 130 },
  },
];
/** Each request: `<authorization or -> <range or full> <path>`. */
const requests: string[] = [];
let corruptCdn = false;
let hub: Awaited<ReturnType<typeof serveOnLoopback>>;
let cdn: Awaited<ReturnType<typeof serveOnLoopback>>;
let directory: string;

/** Answers with `content` from the byte the request's Range asks for. */
function serveRange(
  request: IncomingMessage,
  response: ServerResponse,
  content: Buffer,
  headers: Record<string, string>,
) {
  const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
  response.writeHead(start > 0 ? 206 : 200, {
    ...headers,
    'content-length': String(content.length - start),
    ...(start > 0 ? { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` } : {}),
  });
  response.end(content.subarray(start));
}

const record = (request: IncomingMessage) =>
  requests.push(
    `${request.headers.authorization ?? '-'} ${request.headers.range ?? 'full'} ${request.url?.split('?')[0]}`,
  );

// The hub as its clients see it: the revision API, the tree (in pages), `resolve` answering regular files itself
// (ETag: the git blob id) and LFS files with a 302 to a CDN, another origin whose answer lacks the X-Linked-* headers.
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-hub-cache-'));
  cdn = await serveOnLoopback((request, response) => {
    record(request);
    serveRange(request, response, corruptCdn ? Buffer.from(weights).fill(1, 0, 1) : weights, { etag: '"cdn-etag"' });
  });
  hub = await serveOnLoopback((request, response) => {
    const url = new URL(request.url ?? '/', hub.endpoint);
    record(request);
    const json = (value: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(200, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(value));
    };
    const [, repo, rest] = /^\/(?:api\/)?(?:datasets\/|models\/)?(org\/(?:tiny|set))\/(.*)$/.exec(url.pathname) ?? [];
    if (rest === 'revision/main') return json({ _id: 'id', id: repo, sha: commit, private: false });
    if (rest === `tree/${commit}`)
      return url.searchParams.get('cursor') === null
        ? json(listing.slice(0, 1), { link: `<${hub.endpoint}${url.pathname}?cursor=2>; rel="next"` })
        : json(listing.slice(1));
    if (rest === `resolve/${commit}/config.json`)
      return serveRange(request, response, config, { etag: `"${gitOid(config)}"`, 'x-repo-commit': commit });
    if (rest === `resolve/${commit}/model.safetensors` || rest === 'resolve/main/model.safetensors') {
      response.writeHead(302, {
        location: `${cdn.endpoint}/cdn/${sha256(weights)}`,
        'x-linked-etag': `"${sha256(weights)}"`,
        'x-linked-size': String(weights.length),
        'x-repo-commit': commit,
      });
      return response.end();
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Repository not found"}');
  });
});
afterAll(async () => {
  await hub.close();
  await cdn.close();
  await rm(directory, { recursive: true, force: true });
});

describe('the hub cache layout', () => {
  it('lists every page of a tree, with the LFS SHA-256', async () => {
    expect(await listHubFiles({ repo: 'org/tiny', endpoint: hub.endpoint, revision: commit })).toEqual([
      { path: 'config.json', size: config.length, oid: gitOid(config) },
      { path: 'model.safetensors', size: weights.length, oid: 'f'.repeat(40), sha256: sha256(weights) },
    ]);
  });

  it('writes blobs, snapshot links and refs that @huggingface/hub (and Python) read back', async () => {
    const cacheDirectory = join(directory, 'cache');
    requests.length = 0;
    const files = await downloadHubFiles({ repo: 'org/tiny', endpoint: hub.endpoint, cacheDirectory, token: 'secret' });
    const storage = join(cacheDirectory, 'models--org--tiny');
    const snapshot = join(storage, 'snapshots', commit);
    expect(files).toEqual([
      { path: join(snapshot, 'config.json'), sha256: sha256(config), bytes: config.length, status: 'downloaded' },
      {
        path: join(snapshot, 'model.safetensors'),
        sha256: sha256(weights),
        bytes: weights.length,
        status: 'downloaded',
      },
    ]);
    expect(await readFile(join(storage, 'refs', 'main'), 'utf8')).toBe(commit);
    expect(await readlink(join(snapshot, 'model.safetensors'))).toBe(`../../blobs/${sha256(weights)}`);
    expect((await readFile(join(snapshot, 'model.safetensors'))).equals(weights)).toBe(true);
    expect(await readFile(join(storage, 'blobs', gitOid(config)), 'utf8')).toBe(config.toString());
    const scanned = await scanCacheDir(cacheDirectory);
    expect(scanned.warnings).toEqual([]);
    expect(scanned.repos.map((repo) => [repo.id, repo.filesCount, repo.size])).toEqual([
      [{ type: 'model', name: 'org/tiny' }, 2, config.length + weights.length],
    ]);
    expect(scanned.repos[0]?.revisions.map((revision) => [revision.commitOid, revision.refs])).toEqual([
      [commit, ['main']],
    ]);
    // The token goes to the hub, never to the CDN the weights are redirected to.
    expect(requests.filter((line) => line.includes('/cdn/'))).toEqual([`- full /cdn/${sha256(weights)}`]);
    expect(requests.filter((line) => !line.includes('/cdn/')).every((line) => line.startsWith('Bearer secret '))).toBe(
      true,
    );
  });

  it('resumes a blob left incomplete, and fetches nothing for a snapshot already whole', async () => {
    const cacheDirectory = join(directory, 'resume');
    const blobs = join(cacheDirectory, 'datasets--org--set', 'blobs');
    await mkdir(blobs, { recursive: true });
    await writeFile(join(blobs, `${sha256(weights)}.incomplete`), weights.subarray(0, 77_777));
    requests.length = 0;
    const options = { repo: 'org/set', repoType: 'dataset', endpoint: hub.endpoint, cacheDirectory } as const;
    const files = await downloadHubFiles({ ...options, files: ['model.safetensors'] });
    expect(files.map((file) => file.status)).toEqual(['resumed']);
    expect(requests.filter((line) => line.includes('/resolve/') || line.includes('/cdn/'))).toEqual([
      `- bytes=77777- /datasets/org/set/resolve/${commit}/model.safetensors`,
      `- bytes=77777- /cdn/${sha256(weights)}`,
    ]);
    requests.length = 0;
    expect((await downloadHubFiles({ ...options, files: ['model.safetensors'] })).map((file) => file.status)).toEqual([
      'present',
    ]);
    expect(requests.filter((line) => line.includes('/resolve/') || line.includes('/cdn/'))).toEqual([]);
    await expect(downloadHubFiles({ ...options, files: ['missing.json'] })).rejects.toThrow(
      'org/set@main has no file missing.json',
    );
  });

  it('checks the SHA-256 the hub sends before its redirect, without a listing', async () => {
    const options = { repo: 'org/tiny', endpoint: hub.endpoint, files: ['model.safetensors'] };
    corruptCdn = true;
    try {
      await expect(downloadHubFiles({ ...options, directory: join(directory, 'corrupt') })).rejects.toThrow(
        ChecksumMismatchError,
      );
    } finally {
      corruptCdn = false;
    }
    const [file] = await downloadHubFiles({ ...options, directory: join(directory, 'plain') });
    expect(file).toMatchObject({ sha256: sha256(weights), status: 'downloaded' });
  });

  it('an unknown repository, or an aborted signal, stops before anything is written', async () => {
    const cacheDirectory = join(directory, 'unknown');
    await expect(downloadHubFiles({ repo: 'org/unknown', endpoint: hub.endpoint, cacheDirectory })).rejects.toThrow(
      /resolving org\/unknown@main to a commit at .* failed with HTTP 404/,
    );
    const error = await downloadHubFiles({ repo: 'org/unknown', endpoint: hub.endpoint, cacheDirectory }).catch(
      (caught: unknown) => caught,
    );
    expect(DownloadError.isInstance(error)).toBe(true);
    const stop = new Error('stopped');
    await expect(
      downloadHubFiles({ repo: 'org/tiny', endpoint: hub.endpoint, cacheDirectory, signal: AbortSignal.abort(stop) }),
    ).rejects.toBe(stop);
    await expect(readFile(join(cacheDirectory, 'models--org--tiny', 'refs', 'main'))).rejects.toThrow();
  });
});
