import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { AquilaError } from '@aquila/errors';
import { writeFileAtomic } from '@aquila/files';
import { downloadHubFiles, type HubFile, listHubFiles, resolveHubRevision } from '@aquila/hub';
import {
  InputFileError,
  SourceColumnsError,
  SourceEncodingError,
  SourceFetchError,
  SourceFormatError,
} from '../errors.js';
import { parquetConversionBranch, type SourceAdapter, type SourceFilePattern } from '../sources/source-adapter.js';
import { sourceAdapters } from '../sources/source-adapters.js';

/** The manifest's name in the fetch folder. */
const fetchManifestName = 'fetch-manifest.json';

/** One fetched file: where it is in the repository and here, its split, size and checksum. */
export interface FetchedFile {
  /** The path in the repository at the resolved commit. */
  path: string;
  /** Where it is, relative to the fetch folder (`<source>/<file name>`). */
  localPath: string;
  split: string;
  bytes: number;
  /** SHA-256 of the content, checked against the hub's listing (LFS SHA-256 or git blob id). */
  sha256: string;
}

/** What a fetch got of one source, as the manifest records it. */
export interface FetchedSource {
  name: string;
  repository: string;
  /** The revision asked for (`main`, a tag, a commit). */
  revision: string;
  /** The branch the files came from: the revision, or `refs/convert/parquet` (the hub's parquet conversion). */
  branch: string;
  /** The commit the branch pointed at: the files are exactly those of this commit. */
  commit: string;
  /** Why the parquet conversion was used: the source's own files were missing or unreadable. */
  fallback?: string;
  files: FetchedFile[];
}

/** `<folder>/fetch-manifest.json`: every source fetched into the folder, the latest fetch of each. */
export interface FetchManifest {
  version: 1;
  endpoint: string;
  sources: Record<string, FetchedSource & { fetchedAt: string }>;
}

export interface FetchSourcesProgress {
  source: string;
  /** The file's path in the repository. */
  file: string;
  downloadedBytes: number;
  totalBytes?: number;
}

export interface FetchSourcesOptions {
  /** The folder: each source's files at `<directory>/<source>/…`, the manifest at `<directory>/fetch-manifest.json`. */
  directory: string;
  /** Source names (`sourceAdapters`' names); default all. */
  sources?: readonly string[];
  /** Branch, tag or commit of every source; default `main`. */
  revision?: string;
  /** Hub base URL; default `https://huggingface.co`. */
  endpoint?: string;
  token?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (progress: FetchSourcesProgress) => void;
}

export interface FetchSourcesResult {
  /** The manifest's path. */
  manifest: string;
  /** The sources fetched, with each file's status: `downloaded`, `resumed` or `present` (already here, same checksum). */
  sources: (Omit<FetchedSource, 'files'> & {
    files: (FetchedFile & { status: 'downloaded' | 'resumed' | 'present' })[];
  })[];
}

/** The failures that say a downloaded file is not what its adapter reads. */
const unreadable = [InputFileError, SourceColumnsError, SourceFormatError, SourceEncodingError] as const;

/** Listed files that match the adapter's patterns, each with its split; undefined when a pattern matches nothing. */
function matchFiles(listing: readonly HubFile[], patterns: readonly SourceFilePattern[]) {
  const matched = patterns.map((pattern) =>
    listing
      .filter((file) => pattern.pattern.test(file.path))
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((file) => ({ ...file, split: pattern.split })),
  );
  return matched.some((files) => files.length === 0) ? undefined : matched.flat();
}

const describe = (patterns: readonly SourceFilePattern[]) =>
  patterns.map((pattern) => String(pattern.pattern)).join(', ');

/**
 * Downloads the sources' files as the hub lists them now: each source's revision is resolved to its commit, its
 * files are found in the listing at that commit by the adapter's patterns (the names carry hashes that change when
 * a file is rewritten), downloaded (resumable, checked against the listing's checksums; a file already here with
 * the same checksum is not downloaded again) and probed with the adapter. Where the source's own files are missing
 * or unreadable, the hub's parquet conversion (`refs/convert/parquet`) is used if the adapter reads it. The
 * manifest records, per source, the revision, branch, commit, file names, sizes and SHA-256s. A source that
 * fails does not stop the others; a `SourceFetchError` names every one that failed, after the rest are fetched.
 */
export async function fetchSources(options: FetchSourcesOptions): Promise<FetchSourcesResult> {
  const names = options.sources ?? sourceAdapters.map((adapter) => adapter.name);
  const unknown = names.filter((name) => !sourceAdapters.some((adapter) => adapter.name === name));
  if (unknown.length > 0)
    throw new SourceFetchError(
      `unknown source ${unknown.join(', ')}; known: ${sourceAdapters.map((adapter) => adapter.name).join(', ')}`,
    );
  const endpoint = options.endpoint ?? 'https://huggingface.co';
  const manifestPath = join(options.directory, fetchManifestName);
  const manifest = await readManifest(manifestPath, endpoint);
  const result: FetchSourcesResult = { manifest: manifestPath, sources: [] };
  const failures: string[] = [];
  for (const adapter of sourceAdapters.filter((candidate) => names.includes(candidate.name))) {
    try {
      const fetched = await fetchSource(adapter, { ...options, endpoint });
      result.sources.push(fetched);
      manifest.sources[adapter.name] = {
        ...fetched,
        files: fetched.files.map(({ status: _status, ...file }) => file),
        fetchedAt: new Date().toISOString(),
      };
    } catch (error) {
      options.signal?.throwIfAborted();
      failures.push(`${adapter.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (result.sources.length > 0)
    await writeFileAtomic({ path: manifestPath, data: `${JSON.stringify(manifest, null, 2)}\n` });
  if (failures.length > 0)
    throw new SourceFetchError(
      `could not fetch ${failures.length} of ${names.length} sources (${failures.join(' | ')})${result.sources.length > 0 ? `; the others are in ${manifestPath}` : ''}.`,
    );
  return result;
}

/** The manifest already in the folder, if it is one of this endpoint's; else a new one. */
async function readManifest(path: string, endpoint: string): Promise<FetchManifest> {
  const empty: FetchManifest = { version: 1, endpoint, sources: {} };
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return empty;
  }
  const manifest = value as Partial<FetchManifest> | null;
  return manifest?.version === 1 && manifest.endpoint === endpoint && typeof manifest.sources === 'object'
    ? (manifest as FetchManifest)
    : empty;
}

type Fetched = FetchSourcesResult['sources'][number];

async function fetchSource(
  adapter: SourceAdapter,
  options: FetchSourcesOptions & { endpoint: string },
): Promise<Fetched> {
  const revision = options.revision ?? 'main';
  const own = await fetchBranch(adapter, options, { branch: revision, patterns: adapter.files, folder: '' });
  if ('files' in own) return { ...own, revision };
  if (adapter.conversion === undefined) throw new SourceFetchError(own.problem);
  const conversion = await fetchBranch(adapter, options, {
    branch: parquetConversionBranch,
    patterns: adapter.conversion,
    folder: 'parquet-conversion',
  });
  if ('files' in conversion) return { ...conversion, revision, fallback: own.problem };
  throw new SourceFetchError(`${own.problem}; and ${conversion.problem}`);
}

/** Fetches a source's files from one branch: the files, or why they are missing or unreadable there. */
async function fetchBranch(
  adapter: SourceAdapter,
  options: FetchSourcesOptions & { endpoint: string },
  where: { branch: string; patterns: readonly SourceFilePattern[]; folder: string },
): Promise<Omit<Fetched, 'revision'> | { problem: string }> {
  const hub = {
    repo: adapter.repository,
    repoType: 'dataset' as const,
    endpoint: options.endpoint,
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const commit = await resolveHubRevision({ ...hub, revision: where.branch });
  const listing = await listHubFiles({ ...hub, revision: commit });
  const files = matchFiles(listing, where.patterns);
  if (files === undefined)
    return {
      problem: `${adapter.repository}@${where.branch} (${commit.slice(0, 12)}) has no file matching ${describe(where.patterns)} among ${listing.length} files`,
    };
  // <directory>/<source>/<file name>; the conversion's files, whose names repeat across splits, keep their path.
  const local = (path: string) => join(adapter.name, where.folder === '' ? basename(path) : join(where.folder, path));
  const downloaded = await downloadHubFiles({
    ...hub,
    revision: commit,
    directory: options.directory,
    files: files.map((file) => ({ ...file, localPath: local(file.path) })),
    onProgress: (progress) =>
      options.onProgress?.({
        source: adapter.name,
        file: progress.file,
        downloadedBytes: progress.downloadedBytes,
        ...(progress.totalBytes === undefined ? {} : { totalBytes: progress.totalBytes }),
      }),
  });
  for (const [index, file] of downloaded.entries()) {
    try {
      await adapter.probe({ path: file.path, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    } catch (error) {
      options.signal?.throwIfAborted();
      if (!unreadable.some((type) => type.isInstance(error))) throw error;
      return { problem: `${where.branch} ${files[index]!.path} is unreadable (${(error as AquilaError).message})` };
    }
  }
  return {
    name: adapter.name,
    repository: adapter.repository,
    branch: where.branch,
    commit,
    files: downloaded.map((file, index) => ({
      path: files[index]!.path,
      localPath: relative(options.directory, file.path),
      split: files[index]!.split,
      bytes: file.bytes,
      sha256: file.sha256,
      status: file.status,
    })),
  };
}
