import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadHubFiles } from './download-hub-files.js';
import { ChecksumMismatchError, DownloadError } from './errors.js';
import { resolveUrl } from './hub-repository.js';

const body = Buffer.from(Array.from({ length: 50_000 }, (_, index) => String.fromCharCode(97 + (index % 26))).join(''));
const sha256 = createHash('sha256').update(body).digest('hex');
const requests: { url: string; range?: string }[] = [];
let server: Server;
let endpoint: string;
let directory: string;
const prefix = '/datasets/org/set/resolve/main';
const url = (name: string) => `${endpoint}${prefix}/${name}`;

/** One file of the dataset `org/set` to `path`, tried once as each test expects (a retry would resume a cut). */
function fetchFile(options: { name: string; path: string; sha256?: string }) {
  return downloadHubFiles({
    repo: 'org/set',
    repoType: 'dataset',
    endpoint,
    directory: dirname(options.path),
    files: [
      { path: options.name, localPath: basename(options.path), ...(options.sha256 ? { sha256: options.sha256 } : {}) },
    ],
    attempts: 1,
  });
}

// A real HTTP server on 127.0.0.1 serving the hub's resolve URLs with Range, like the hub's CDN; /noranges ignores
// it, /cut breaks off. It records the file part of each URL.
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-hub-file-'));
  server = createServer((request, response) => {
    request.url = request.url?.startsWith(`${prefix}/`) ? request.url.slice(prefix.length) : '/missing';
    requests.push({
      url: request.url,
      ...(request.headers.range === undefined ? {} : { range: request.headers.range }),
    });
    if (request.url === '/missing') {
      response.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const etag = { etag: `"${sha256}"` };
    if (range && request.url !== '/noranges') {
      const start = Number(range[1]);
      if (start >= body.length) {
        response.writeHead(416).end();
        return;
      }
      response.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        ...etag,
      });
      response.end(body.subarray(start));
      return;
    }
    if (request.url === '/cut') {
      response.writeHead(200, { 'content-length': body.length });
      response.write(body.subarray(0, 20_000));
      setTimeout(() => response.destroy(), 20);
      return;
    }
    response.writeHead(200, { 'content-length': body.length, ...etag });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(directory, { recursive: true, force: true });
});

describe('downloadHubFiles of one file', () => {
  it('downloads and checks the checksum, then skips a file already present', async () => {
    const path = join(directory, 'a', 'file.json');
    const [first] = await fetchFile({ name: 'file', path, sha256 });
    expect(first).toEqual({ path, sha256, bytes: body.length, status: 'downloaded' });
    expect((await readFile(path)).equals(body)).toBe(true);
    const [second] = await fetchFile({ name: 'file', path, sha256 });
    expect(second?.status).toBe('present');
  });

  it('resumes a partial download with a Range request', async () => {
    const path = join(directory, 'resume.json');
    await writeFile(`${path}.incomplete`, body.subarray(0, 12_345));
    requests.length = 0;
    const [result] = await fetchFile({ name: 'file', path });
    expect(requests).toEqual([{ url: '/file', range: 'bytes=12345-' }]);
    expect(result).toMatchObject({ status: 'resumed', sha256, bytes: body.length });
    expect((await readFile(path)).equals(body)).toBe(true);
  });

  it('starts over when the server ignores Range, and resumes after a broken connection', async () => {
    const path = join(directory, 'restart.json');
    await writeFile(`${path}.incomplete`, 'garbage');
    expect((await fetchFile({ name: 'noranges', path, sha256 }))[0]?.status).toBe('downloaded');
    const cut = join(directory, 'cut.json');
    await expect(fetchFile({ name: 'cut', path: cut, sha256 })).rejects.toThrow(DownloadError);
    const [result] = await fetchFile({ name: 'file', path: cut, sha256 });
    expect(result?.status).toBe('resumed');
    expect((await readFile(cut)).equals(body)).toBe(true);
  });

  it('a checksum mismatch deletes the partial file; HTTP errors are typed', async () => {
    const path = join(directory, 'mismatch.json');
    await expect(fetchFile({ name: 'file', path, sha256: '0'.repeat(64) })).rejects.toThrow(ChecksumMismatchError);
    await expect(readFile(`${path}.incomplete`)).rejects.toThrow();
    await expect(fetchFile({ name: 'missing', path })).rejects.toThrow(/HTTP 404/);
  });

  it('builds hub URLs for the files FlagAI used', () => {
    expect(
      resolveUrl({
        repo: 'b-mc2/sql-create-context',
        repoType: 'dataset',
        revision: 'main',
        path: 'sql_create_context_v4.json',
      }),
    ).toBe('https://huggingface.co/datasets/b-mc2/sql-create-context/resolve/main/sql_create_context_v4.json');
  });

  it('every failure is a DownloadError naming the URL and the file, and the file appears only when complete', async () => {
    const folder = join(directory, 'failures');
    const path = join(folder, 'cut.json');
    await expect(fetchFile({ name: 'missing', path })).rejects.toThrow(
      `downloading ${url('missing')} to ${path}: HTTP 404`,
    );
    await expect(fetchFile({ name: 'cut', path, sha256 })).rejects.toThrow(
      `downloading ${url('cut')} to ${path}: the download broke off after 20000 bytes`,
    );
    expect(await readdir(folder)).toEqual(['cut.json.incomplete']);
    const taken = join(folder, 'taken.json');
    await mkdir(taken);
    await expect(fetchFile({ name: 'file', path: taken, sha256 })).rejects.toThrow(
      new RegExp(`^downloading ${url('file')} to ${taken}: cannot read ${taken} \\(EISDIR\\)`),
    );
    await expect(fetchFile({ name: 'file', path: taken })).rejects.toThrow(DownloadError);
    await writeFile(join(folder, 'a-file'), '');
    await expect(fetchFile({ name: 'file', path: join(folder, 'a-file', 'x.json') })).rejects.toThrow(
      `cannot create the folder ${join(folder, 'a-file')}`,
    );
  });
});
