import { join, resolve, sep } from 'node:path';
import { type DownloadedHubFile, downloadHubFile } from './download-hub-file.js';
import { DownloadError } from './errors.js';
import { linkSnapshotFile, openHubCacheFolder } from './hub-cache.js';
import { type HubRepositoryOptions, hubEndpoint, resolveUrl } from './hub-repository.js';
import { listHubFiles } from './list-hub-files.js';

/** A file to download, by its path in the repository, with what is known of it (a `HubFile` from a listing is one). */
export interface HubFileRequest {
  /** The path in the repository, `/`-separated. */
  path: string;
  /** Where it goes under `directory` (not in the cache); default `path`. */
  localPath?: string;
  size?: number;
  /** Expected SHA-256; without it, a SHA-256 ETag from the hub (LFS files) is checked when there is one. */
  sha256?: string;
  /** Expected git blob id, checked when no SHA-256 is known. */
  oid?: string;
}

export interface HubDownloadProgress {
  /** The file's path in the repository. */
  file: string;
  /** Bytes of this file on disk so far. */
  downloadedBytes: number;
  /** Its size, once known. */
  totalBytes?: number;
  /** Files finished, of all. */
  filesDone: number;
  filesTotal: number;
}

export interface DownloadHubFilesOptions extends HubRepositoryOptions {
  /** A plain folder: each file lands at `<directory>/<localPath or path>`. Without it, files go to the hub cache. */
  directory?: string;
  /**
   * The hub cache, used when no `directory` is given: default HF_HUB_CACHE, else HF_HOME/hub, else
   * ~/.cache/huggingface/hub, where Python's huggingface_hub finds the files too.
   */
  cacheDirectory?: string;
  /** The files to fetch; default: the repository's listing, as far as `include` accepts it. */
  files?: readonly (string | HubFileRequest)[];
  /** Which listed files to fetch when `files` is not given (e.g. `isModelFile`); default all. */
  include?: (path: string) => boolean;
  /** Attempts per file for retryable failures (network errors, 5xx, 429); each resumes where the last stopped. Default 4. */
  attempts?: number;
  onProgress?: (progress: HubDownloadProgress) => void;
}

/** The files to fetch: those named (completed from the listing in the cache, whose blobs are named by checksum), else the listing. */
async function chooseFiles(
  options: DownloadHubFilesOptions,
  revision: string,
  listingNeeded: boolean,
): Promise<HubFileRequest[]> {
  const named = options.files?.map((file) => (typeof file === 'string' ? { path: file } : file));
  if (named !== undefined && !listingNeeded) return named;
  const listed = await listHubFiles({ ...options, revision });
  if (named !== undefined) {
    const byPath = new Map(listed.map((file) => [file.path, file]));
    return named.map((file) => {
      const found = byPath.get(file.path);
      if (found === undefined)
        throw new DownloadError(`${options.repo}@${options.revision ?? 'main'} has no file ${file.path}.`);
      return found;
    });
  }
  const chosen = listed.filter((file) => options.include?.(file.path) ?? true);
  if (chosen.length === 0)
    throw new DownloadError(
      `${options.repo}@${options.revision ?? 'main'} has no files to download${options.include ? ' that the filter accepts' : ''}.`,
    );
  return chosen;
}

/** `<root>/<path>`, refusing a path that would leave `root` (`..`, an absolute path) or is no file name. */
function inside(root: string, path: string, repo: string): string {
  const target = join(root, path);
  if (path.includes('\0') || !resolve(target).startsWith(resolve(root) + sep)) {
    throw new DownloadError(
      `${repo}: file path ${JSON.stringify(path)} escapes the download folder or is no file name.`,
    );
  }
  return target;
}

/**
 * Downloads files of a hub repository (a model or a dataset): into `directory` as plain files, or into the hub
 * cache. Each file is fetched into `<file>.incomplete` with HTTP range requests (a dropped connection, or an
 * earlier run, resumes where it stopped), checked against its size and checksum (the listing's LFS SHA-256 or git
 * blob id, else a SHA-256 ETag), then renamed into place: a file appears under its own name only whole and
 * verified, however the download ends. Files already present and matching are not fetched again.
 */
export async function downloadHubFiles(options: DownloadHubFilesOptions): Promise<DownloadedHubFile[]> {
  const revision = options.revision ?? 'main';
  const cache = options.directory === undefined ? await openHubCacheFolder({ ...options, revision }) : undefined;
  // In the cache, the listing and every file are fetched at the one commit the snapshot is of.
  const at = cache?.commit ?? revision;
  const files = await chooseFiles(options, at, cache !== undefined);
  const root = options.directory ?? cache?.snapshot ?? '';
  const transfer = {
    fetch: options.fetch ?? fetch,
    attempts: options.attempts ?? 4,
    ...(options.token === undefined
      ? {}
      : { token: { value: options.token, origin: new URL(hubEndpoint(options)).origin } }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const results: DownloadedHubFile[] = [];
  for (const file of files) {
    const local = inside(root, cache === undefined ? (file.localPath ?? file.path) : file.path, options.repo);
    const etag = file.sha256 ?? file.oid ?? '';
    if (cache !== undefined && !/^[0-9a-f]{40,64}$/.test(etag))
      throw new DownloadError(`${options.repo}: the listing gives ${file.path} no checksum to name its blob by.`);
    const blob = cache?.blob(etag);
    const report = (downloadedBytes: number, totalBytes: number | undefined): void =>
      options.onProgress?.({
        file: file.path,
        downloadedBytes,
        ...(totalBytes === undefined ? {} : { totalBytes }),
        filesDone: results.length,
        filesTotal: files.length,
      });
    const result = await downloadHubFile(
      {
        url: resolveUrl({ ...options, revision: at, path: file.path }),
        target: blob ?? local,
        ...(file.size === undefined ? {} : { size: file.size }),
        ...(file.sha256 === undefined ? {} : { sha256: file.sha256 }),
        ...(file.oid === undefined ? {} : { oid: file.oid }),
      },
      { ...transfer, onBytes: (bytes, total) => report(bytes, file.size ?? total) },
    );
    if (blob !== undefined) await linkSnapshotFile({ link: local, blob });
    results.push({ ...result, path: local });
    report(result.bytes, result.bytes);
  }
  return results;
}
