import { listFiles } from '@huggingface/hub';
import { DownloadError } from './errors.js';
import { describeHubFailure, type HubRepositoryOptions, hubEndpoint, hubFetch, repoId } from './hub-repository.js';

/** A file of a hub repository, as its tree listing describes it. */
export interface HubFile {
  /** The path in the repository, `/`-separated. */
  path: string;
  size: number;
  /** Git blob id (sha1 of `blob <size>\0<content>`); for an LFS file, the id of its pointer. */
  oid?: string;
  /** SHA-256 of the content, for files stored with LFS (the listing's `lfs.oid`). */
  sha256?: string;
}

/** Lists every file of a repository at a revision (a branch, tag or commit; the hub's recursive tree, all pages). */
export async function listHubFiles(options: HubRepositoryOptions): Promise<HubFile[]> {
  const revision = options.revision ?? 'main';
  const repo = repoId(options);
  // listFiles puts the revision into the URL as given; a branch such as `refs/convert/parquet` must be one segment.
  const encoded = encodeURIComponent(revision);
  const url = `${hubEndpoint(options)}/api/${repo.type}s/${repo.name}/tree/${encoded}`;
  const files: HubFile[] = [];
  try {
    for await (const entry of listFiles({
      repo,
      revision: encoded,
      recursive: true,
      hubUrl: hubEndpoint(options),
      fetch: hubFetch(options),
    })) {
      // The answer is the server's: entries are checked, not trusted to match the library's types.
      if (entry.type !== 'file' || typeof entry.path !== 'string' || typeof entry.size !== 'number') continue;
      files.push({
        path: entry.path,
        size: entry.size,
        ...(typeof entry.oid === 'string' ? { oid: entry.oid } : {}),
        ...(typeof entry.lfs?.oid === 'string' ? { sha256: entry.lfs.oid } : {}),
      });
    }
  } catch (error) {
    options.signal?.throwIfAborted();
    throw new DownloadError(`listing ${options.repo} at ${url} ${describeHubFailure(error)}.`, { cause: error });
  }
  return files;
}
