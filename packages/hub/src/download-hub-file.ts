import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChecksumMismatchError, DownloadError } from './errors.js';

/** One file to fetch: where from, where to, and what the hub already said about it. */
export interface FileTransfer {
  url: string;
  /** The final path; the bytes collect in `<target>.incomplete` until they are whole and verified. */
  target: string;
  size?: number;
  /** Expected SHA-256 of the content. */
  sha256?: string;
  /** Expected git blob id, checked when no SHA-256 is known. */
  oid?: string;
}

export interface TransferOptions {
  fetch: typeof fetch;
  /** Sent only to this origin (the hub), not to a CDN a download is redirected to. */
  token?: { value: string; origin: string };
  attempts: number;
  onBytes: (downloadedBytes: number, totalBytes: number | undefined) => void;
  signal?: AbortSignal;
}

export interface DownloadedHubFile {
  /** Where the file is (in the cache, its link in the snapshot). */
  path: string;
  /** SHA-256 of the content. */
  sha256: string;
  bytes: number;
  /** `downloaded`, `resumed` from a partial file, or `present` (already there and matching). */
  status: 'downloaded' | 'resumed' | 'present';
}

/** The hashes a file is checked with: SHA-256 always (it is reported), the git blob sha1 when that is the check. */
class ContentHashes {
  sha256: Hash = createHash('sha256');
  git: Hash | undefined;

  constructor(private readonly file: FileTransfer) {
    this.reset();
  }

  reset(): void {
    this.sha256 = createHash('sha256');
    const { size, oid, sha256 } = this.file;
    this.git = sha256 === undefined && oid !== undefined && size !== undefined ? createHash('sha1') : undefined;
    this.git?.update(`blob ${size}\0`);
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.git?.update(chunk);
  }

  async addFile(path: string, length: number, signal: AbortSignal | undefined): Promise<void> {
    if (length === 0) return;
    for await (const chunk of createReadStream(path, { start: 0, end: length - 1, signal }))
      this.update(chunk as Buffer);
  }

  /** The content's SHA-256, and the first disagreement with what is expected (`sha256` if given, else the git id). */
  verdict(expectedSha256: string | undefined): { sha256: string; mismatch?: string } {
    const sha256 = this.sha256.digest('hex');
    if (expectedSha256 !== undefined && sha256 !== expectedSha256.toLowerCase())
      return { sha256, mismatch: `SHA-256 ${sha256}, expected ${expectedSha256}` };
    const git = this.git?.digest('hex');
    if (git !== undefined && expectedSha256 === undefined && git !== this.file.oid)
      return { sha256, mismatch: `git blob id ${git}, expected ${this.file.oid}` };
    return { sha256 };
  }
}

const sizeOf = (path: string) =>
  stat(path).then(
    (info) => info.size,
    () => undefined,
  );

/** The checksum a hub ETag carries: LFS files have their SHA-256 there (`X-Linked-Etag` before a redirect). */
function sha256FromEtag(etag: string | null): string | undefined {
  const value = (etag ?? '').replace(/^W\//, '').replaceAll('"', '');
  return /^[0-9a-f]{64}$/.test(value) ? value : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Requests a file, following redirects by hand: the hub's own answer (a 302 to a CDN for LFS files) carries
 * `X-Linked-Etag` and `X-Linked-Size`, which the CDN's answer lacks, and the token must not follow to the CDN.
 */
async function request(
  url: string,
  offset: number,
  options: TransferOptions,
): Promise<{ response: Response; etag: string | null; size: string | null }> {
  let current = new URL(url);
  let etag: string | null = null;
  let size: string | null = null;
  for (let hop = 0; ; hop++) {
    // Bytes as stored: a compressed answer would not match its Content-Length, nor resume at a byte offset.
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    if (options.token !== undefined && current.origin === options.token.origin)
      headers.authorization = `Bearer ${options.token.value}`;
    const response = await options.fetch(current, {
      headers,
      redirect: 'manual',
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    etag ??= response.headers.get('x-linked-etag');
    size ??= response.headers.get('x-linked-size');
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null || hop === 10)
      return { response, etag: etag ?? response.headers.get('etag'), size };
    await response.body?.cancel();
    current = new URL(location, current);
  }
}

/** A failure that a fresh attempt may get past (a dropped connection, a 5xx, a short body): the next attempt resumes. */
type Attempt = { result: DownloadedHubFile } | { retry: DownloadError };

/**
 * Downloads one file with resume: bytes go to `<target>.incomplete` (the name the hub's own clients use), a later
 * attempt or run asks for the rest with an HTTP Range request (starting over when the server ignores it), and the
 * size and checksum are checked before the file is renamed into place, so it is whole and verified or absent. A file
 * already at the target that matches what is known of it (size, checksum) is not downloaded again.
 */
export async function downloadHubFile(file: FileTransfer, options: TransferOptions): Promise<DownloadedHubFile> {
  const fail = (problem: string, cause?: unknown) =>
    new DownloadError(`downloading ${file.url} to ${file.target}: ${problem}`, cause === undefined ? {} : { cause });
  /** Runs a file-system step, turning its failure (a folder in the way, no permission, a full disk) into a `DownloadError`. */
  const onDisk = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      options.signal?.throwIfAborted();
      const reason = (error as NodeJS.ErrnoException).code ?? errorText(error);
      throw fail(
        `cannot ${what} (${reason}); check that the folder exists and can be written, and that no folder has the file's name.`,
        error,
      );
    }
  };
  if (file.size !== undefined && (!Number.isSafeInteger(file.size) || file.size < 0))
    throw fail(`the listing gives a size of ${file.size} bytes, which is no size; the hub's answer is malformed.`);
  await onDisk(`create the folder ${dirname(file.target)}`, () => mkdir(dirname(file.target), { recursive: true }));

  const existing = await sizeOf(file.target);
  const known = file.sha256 !== undefined || file.oid !== undefined || file.size !== undefined;
  if (existing !== undefined && known && (file.size === undefined || existing === file.size)) {
    const hashes = new ContentHashes(file);
    await onDisk(`read ${file.target}`, () => hashes.addFile(file.target, existing, options.signal));
    const { sha256, mismatch } = hashes.verdict(file.sha256);
    if (mismatch === undefined) return { path: file.target, sha256, bytes: existing, status: 'present' };
  }

  const partial = `${file.target}.incomplete`;
  const attempt = async (): Promise<Attempt> => {
    let have = (await sizeOf(partial)) ?? 0;
    if (file.size !== undefined && have > file.size) have = 0;
    let resumed = have > 0;
    let total = file.size;
    let expected = file.sha256;
    const hashes = new ContentHashes(file);
    await onDisk(`read ${partial}`, () => hashes.addFile(partial, have, options.signal));
    if (total === undefined || have < total) {
      let answer: Awaited<ReturnType<typeof request>>;
      try {
        answer = await request(file.url, have, options);
      } catch (error) {
        options.signal?.throwIfAborted();
        return {
          retry: fail(
            `the request failed (${errorText(error)}). Check the network and run again; the partial file is kept.`,
            error,
          ),
        };
      }
      const { response } = answer;
      if (response.status === 416 && have > 0) {
        // The partial file already holds everything: it is verified below.
        await response.body?.cancel();
      } else if (!response.ok) {
        await response.body?.cancel();
        const failure = fail(
          `HTTP ${response.status} ${response.statusText}. Check the URL (and a token for gated or private repositories).`,
        );
        if (response.status === 429 || response.status >= 500) return { retry: failure };
        throw failure;
      } else {
        if (have > 0 && response.status !== 206) {
          // The server ignored the range: start over.
          have = 0;
          resumed = false;
          hashes.reset();
        }
        expected ??= sha256FromEtag(answer.etag);
        const length = Number(response.headers.get('content-length') ?? Number.NaN);
        const linkedSize = Number(answer.size ?? Number.NaN);
        total ??= Number.isSafeInteger(linkedSize) ? linkedSize : Number.isFinite(length) ? have + length : undefined;
        const handle = await onDisk(`write ${partial}`, () => open(partial, have > 0 ? 'a' : 'w'));
        try {
          for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
            if (total !== undefined && have + chunk.length > total)
              throw fail(`the server sent more than the ${total} bytes expected.`);
            await onDisk(`write ${partial}`, () => handle.write(chunk));
            hashes.update(chunk);
            have += chunk.length;
            options.onBytes(have, total);
          }
        } catch (error) {
          options.signal?.throwIfAborted();
          // An over-long body or a disk failure will not get better on retry; a dropped connection may.
          if (DownloadError.isInstance(error)) throw error;
          return {
            retry: fail(
              `the download broke off after ${have} bytes (${errorText(error)}). Run again to resume.`,
              error,
            ),
          };
        } finally {
          await handle.close();
        }
      }
    }
    if (total !== undefined && have !== total)
      return { retry: fail(`got ${have} of ${total} bytes. Run again to resume.`) };
    const { sha256, mismatch } = hashes.verdict(expected);
    if (mismatch !== undefined) {
      await rm(partial, { force: true });
      throw new ChecksumMismatchError(
        `downloading ${file.url} to ${file.target}: checksum mismatch: ${mismatch}. The partial download was deleted; run again to download it afresh.`,
      );
    }
    await onDisk(`move ${partial} to ${file.target}`, () => rename(partial, file.target));
    return { result: { path: file.target, sha256, bytes: have, status: resumed ? 'resumed' : 'downloaded' } };
  };

  for (let attempts = 1; ; attempts++) {
    options.signal?.throwIfAborted();
    const outcome = await attempt();
    if ('result' in outcome) return outcome.result;
    if (attempts >= options.attempts) throw outcome.retry;
    await sleep(Math.min(2000, 100 * 2 ** attempts), undefined, options.signal ? { signal: options.signal } : {}).catch(
      (error: unknown) => {
        options.signal?.throwIfAborted();
        throw error;
      },
    );
  }
}
