import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One branch of a stand-in repository: the commit it points at and its files by path. */
export interface StandInBranch {
  /** 40 hex digits. */
  commit: string;
  files: Record<string, string | Uint8Array>;
}

export interface StandInHubOptions {
  /** Dataset repositories by `owner/name`, each with its branches (`main`, `refs/convert/parquet`, …). */
  datasets: Record<string, Record<string, StandInBranch>>;
  /** Files served as LFS files (the listing gives their SHA-256, as the hub does for parquet); default `.parquet`. */
  lfs?: (path: string) => boolean;
}

export interface StandInHub {
  endpoint: string;
  /** `METHOD path` of every request, the path as sent (revisions stay percent-encoded). */
  requests: string[];
  close: () => Promise<void>;
}

const gitBlobId = (content: Uint8Array) =>
  createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
const sha256 = (content: Uint8Array) => createHash('sha256').update(content).digest('hex');

/**
 * A real HTTP server on 127.0.0.1 answering as the Hugging Face Hub does for datasets: the revision API
 * (`/api/datasets/<repo>/revision/<rev>` with `sha`), the recursive tree listing in the JSON shape
 * @huggingface/hub's `listFiles` reads (`type`, `oid`, `size`, `path`, `lfs{oid, size, pointerSize}`, folders
 * listed too), and `resolve/<rev>/<path>` downloads with ETags and Range. A revision is a branch name
 * (percent-encoded, as `refs%2Fconvert%2Fparquet`) or a commit. The datasets can be changed between requests.
 */
export async function serveStandInHub(options: StandInHubOptions): Promise<StandInHub> {
  const lfs = options.lfs ?? ((path: string) => path.endsWith('.parquet'));
  const requests: string[] = [];
  const branchOf = (repo: string, revision: string): StandInBranch | undefined => {
    const branches = options.datasets[repo] ?? {};
    return branches[revision] ?? Object.values(branches).find((branch) => branch.commit === revision);
  };
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    requests.push(`${request.method} ${path}`);
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    const api = /^\/api\/datasets\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)$/.exec(path);
    if (api !== null) {
      const [, repo, kind, revision] = api as unknown as [string, string, string, string];
      const branch = branchOf(repo, decodeURIComponent(revision));
      if (branch === undefined) return json(404, { error: `Revision Not Found for ${repo}@${revision}` });
      if (kind === 'revision') return json(200, { _id: repo, id: repo, sha: branch.commit, private: false });
      const files = Object.entries(branch.files).map(([file, content]) => {
        const bytes = Buffer.from(content);
        return {
          type: 'file',
          oid: gitBlobId(lfs(file) ? Buffer.from(`version https://git-lfs.github.com/spec/v1\n`) : bytes),
          size: bytes.length,
          path: file,
          ...(lfs(file) ? { lfs: { oid: sha256(bytes), size: bytes.length, pointerSize: 134 } } : {}),
        };
      });
      const folders = [
        ...new Set(
          files.flatMap((file) =>
            file.path
              .split('/')
              .slice(0, -1)
              .map((_, index, parts) => parts.slice(0, index + 1).join('/')),
          ),
        ),
      ];
      return json(200, [
        ...folders.map((folder) => ({ type: 'directory', oid: '0'.repeat(40), size: 0, path: folder })),
        ...files,
      ]);
    }
    const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const branch = resolve === null ? undefined : branchOf(resolve[1]!, decodeURIComponent(resolve[2]!));
    const file = resolve === null ? undefined : decodeURIComponent(resolve[3]!);
    const content = branch === undefined || file === undefined ? undefined : branch.files[file];
    if (content === undefined) return json(404, { error: 'Entry not found' });
    const bytes = Buffer.from(content);
    const etag = `"${lfs(file!) ? sha256(bytes) : gitBlobId(bytes)}"`;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = range === null ? 0 : Number(range[1]);
    if (start >= bytes.length && start > 0) {
      response.writeHead(416).end();
      return;
    }
    response.writeHead(range === null ? 200 : 206, {
      etag,
      'x-repo-commit': branch!.commit,
      'content-length': bytes.length - start,
      ...(range === null ? {} : { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` }),
    });
    response.end(bytes.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
