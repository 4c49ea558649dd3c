import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ChecksumMismatchError, DownloadError } from '../errors.js';
import type { SourceAdapter } from '../sources/source-adapter.js';

export interface SourceFile {
  url: string;
  /** Where the file goes. */
  path: string;
  /** Expected SHA-256 (hex). Without it, a SHA-256 ETag from the hub (LFS files) is checked when there is one. */
  sha256?: string;
}

export interface FetchSourceFilesOptions {
  files: readonly SourceFile[];
  signal?: AbortSignal;
  /** Byte progress per file. */
  onProgress?: (progress: { path: string; bytes: number; totalBytes?: number }) => void;
  fetch?: typeof fetch;
  /** Extra request headers (e.g. `authorization` for gated datasets). */
  headers?: Record<string, string>;
}

export interface FetchedFile {
  path: string;
  sha256: string;
  bytes: number;
  /** `downloaded`, `resumed` from a partial file, or `present` (already there with the right checksum). */
  status: 'downloaded' | 'resumed' | 'present';
}

/** The dataset hub's download URL of a file in a dataset repository. */
export function hubFileUrl(options: {
  repository: string;
  path: string;
  revision?: string;
  endpoint?: string;
}): string {
  const path = options.path.split('/').map(encodeURIComponent).join('/');
  return `${options.endpoint ?? 'https://huggingface.co'}/datasets/${options.repository}/resolve/${encodeURIComponent(options.revision ?? 'main')}/${path}`;
}

/** The files FlagAI used for one source, as download URLs and local paths under `directory`. */
export function sourceFiles(
  adapter: SourceAdapter,
  directory: string,
  options: { revision?: string; endpoint?: string } = {},
): SourceFile[] {
  return adapter.files.map((file) => ({
    url: hubFileUrl({ repository: adapter.repository, path: file.path, ...options }),
    path: `${directory}/${adapter.name}/${file.path.split('/').at(-1)}`,
  }));
}

async function hashFile(path: string): Promise<{ hash: ReturnType<typeof createHash>; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hash, bytes };
}

const sizeOf = (path: string) =>
  stat(path).then(
    (info) => info.size,
    () => undefined,
  );

/** A `DownloadError` naming the URL and the file it was going to: `downloading <url> to <path>: <problem>`. */
function downloadError(file: SourceFile, problem: string, cause?: unknown): DownloadError {
  return new DownloadError(`downloading ${file.url} to ${file.path}: ${problem}`, { cause });
}

/** Runs a file-system step, turning its failure (a folder in the way, no permission, a full disk) into a `DownloadError`. */
async function onDisk<T>(file: SourceFile, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw downloadError(
      file,
      `cannot ${what} (${reason}); check that the folder exists and can be written, and that no folder has the file's name.`,
      error,
    );
  }
}

/**
 * Downloads each file with resume: bytes go to `<path>.part`, a later run asks for the rest with an HTTP
 * Range request (starting over when the server ignores it), and the SHA-256 is checked before the file is
 * renamed into place. A file already present with the expected checksum is not downloaded again.
 */
export async function fetchSourceFiles(options: FetchSourceFilesOptions): Promise<FetchedFile[]> {
  const fetchFunction = options.fetch ?? fetch;
  const results: FetchedFile[] = [];
  for (const file of options.files) {
    options.signal?.throwIfAborted();
    await onDisk(file, `create the folder ${dirname(file.path)}`, () => mkdir(dirname(file.path), { recursive: true }));
    if (file.sha256 !== undefined && (await sizeOf(file.path)) !== undefined) {
      const { hash, bytes } = await onDisk(file, `read ${file.path}`, () => hashFile(file.path));
      if (hash.digest('hex') === file.sha256.toLowerCase()) {
        results.push({ path: file.path, sha256: file.sha256.toLowerCase(), bytes, status: 'present' });
        continue;
      }
    }
    const partPath = `${file.path}.part`;
    let offset = (await sizeOf(partPath)) ?? 0;
    const headers: Record<string, string> = { ...options.headers };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    let response: Response;
    try {
      response = await fetchFunction(file.url, { headers, signal: options.signal, redirect: 'follow' });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw downloadError(
        file,
        `the request failed (${error instanceof Error ? error.message : String(error)}). Check the network and run again; the partial file is kept.`,
        error,
      );
    }
    let resumed = offset > 0 && response.status === 206;
    if (response.status === 416 && offset > 0) {
      // The part file already holds everything: verify it below without a body.
      resumed = true;
    } else if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw downloadError(
        file,
        `HTTP ${response.status} ${response.statusText}. Check the URL (and a token for gated datasets).`,
      );
    }
    if (!resumed) offset = 0;
    const contentLength = Number(response.headers.get('content-length') ?? Number.NaN);
    const totalBytes = Number.isFinite(contentLength) ? offset + contentLength : undefined;
    const hub = (response.headers.get('x-linked-etag') ?? response.headers.get('etag') ?? '')
      .replace(/^W\//, '')
      .replaceAll('"', '');
    const expected = file.sha256?.toLowerCase() ?? (/^[0-9a-f]{64}$/.test(hub) ? hub : undefined);
    const { hash, bytes: existing } = resumed
      ? await onDisk(file, `read ${partPath}`, () => hashFile(partPath))
      : { hash: createHash('sha256'), bytes: 0 };
    let bytes = existing;
    if (response.status !== 416 && response.body !== null) {
      const handle = await onDisk(file, `write ${partPath}`, () => open(partPath, resumed ? 'a' : 'w'));
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          await handle.write(chunk);
          bytes += chunk.length;
          options.onProgress?.({ path: file.path, bytes, ...(totalBytes === undefined ? {} : { totalBytes }) });
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw downloadError(
          file,
          `the download broke off after ${bytes} bytes (${error instanceof Error ? error.message : String(error)}). Run again to resume.`,
          error,
        );
      } finally {
        await handle.close();
      }
    }
    if (totalBytes !== undefined && bytes !== totalBytes) {
      throw downloadError(file, `got ${bytes} of ${totalBytes} bytes. Run again to resume.`);
    }
    const sha256 = hash.digest('hex');
    if (expected !== undefined && sha256 !== expected) {
      await rm(partPath, { force: true });
      throw new ChecksumMismatchError(
        `downloading ${file.url} to ${file.path}: SHA-256 ${sha256}, expected ${expected}. The partial download was deleted; run again to download it afresh.`,
      );
    }
    await onDisk(file, `move ${partPath} to ${file.path}`, () => rename(partPath, file.path));
    results.push({ path: file.path, sha256, bytes, status: resumed ? 'resumed' : 'downloaded' });
  }
  return results;
}
