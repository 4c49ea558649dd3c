import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { DownloadError } from './errors.js';

/** A file of a hub repository, as its tree listing describes it. */
export interface HubFile {
  path: string;
  size: number;
  /** Git blob id (sha1 of `blob <size>\0<content>`). */
  oid?: string;
  /** Present for LFS files: the sha256 of the content. */
  lfs?: { oid: string; size: number };
}

export interface PullProgress {
  file: string;
  /** Bytes of this file on disk so far. */
  downloadedBytes: number;
  totalBytes: number;
  /** Files finished, of all. */
  filesDone: number;
  filesTotal: number;
}

export interface PullModelOptions {
  /** `owner/name` on the hub, e.g. `BAAI/AquilaSQL-7B`. */
  repo: string;
  /** The folder to download into (created). */
  directory: string;
  /** Hub base URL; default `https://huggingface.co`. */
  endpoint?: string;
  revision?: string;
  /** Access token, sent as a Bearer header (never printed). */
  token?: string;
  /** Which files to fetch; default: configs, tokenizer files and weights. */
  include?: (path: string) => boolean;
  /** Attempts per file for retryable failures (network errors, 5xx, 429); each resumes where the last stopped. Default 4. */
  attempts?: number;
  onProgress?: (progress: PullProgress) => void;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const defaultInclude = (path: string): boolean =>
  /(^|\/)(config\.json|params\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|vocab\.json|merges\.txt|special_tokens_map\.json|added_tokens\.json|[^/]*\.safetensors|[^/]*\.safetensors\.index\.json|pytorch_model[^/]*\.bin|pytorch_model\.bin\.index\.json)$/.test(
    path,
  );

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The checksum a file must match: sha256 for LFS files, the git blob sha1 otherwise. */
function checksum(file: HubFile): { hash: Hash; expected: string } | undefined {
  if (file.lfs) return { hash: createHash('sha256'), expected: file.lfs.oid };
  if (!file.oid) return undefined;
  const hash = createHash('sha1');
  hash.update(`blob ${file.size}\0`);
  return { hash, expected: file.oid };
}

async function hashExisting(path: string, hash: Hash, length: number, signal: AbortSignal | undefined): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1, signal })) hash.update(chunk as Buffer);
}

/** Lists a repository's files (recursive tree of the revision). */
export async function listHubFiles(
  options: Pick<PullModelOptions, 'repo' | 'endpoint' | 'revision' | 'token' | 'fetch' | 'signal'>,
): Promise<HubFile[]> {
  const endpoint = (options.endpoint ?? 'https://huggingface.co').replace(/\/$/, '');
  const url = `${endpoint}/api/models/${options.repo}/tree/${encodeURIComponent(options.revision ?? 'main')}?recursive=true`;
  const fetcher = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetcher(url, {
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      signal: options.signal,
    });
  } catch (error) {
    options.signal?.throwIfAborted();
    throw new DownloadError(
      `cannot list ${options.repo} at ${url} (${(error as Error).message}); check the network and the endpoint.`,
      { cause: error },
    );
  }
  if (!response.ok) {
    throw new DownloadError(
      `listing ${options.repo} at ${url} failed with HTTP ${response.status}${response.status === 401 || response.status === 404 ? ' (a private or gated repo needs a token; or the name is wrong)' : ''}.`,
    );
  }
  const entries: unknown = await response.json().catch(() => undefined);
  if (!Array.isArray(entries))
    throw new DownloadError(`listing ${options.repo} at ${url} did not return a JSON array.`);
  const files: HubFile[] = [];
  for (const entry of entries as Record<string, unknown>[]) {
    if (entry?.type !== 'file' || typeof entry.path !== 'string' || typeof entry.size !== 'number') continue;
    const lfs = entry.lfs as { oid?: unknown; size?: unknown } | undefined;
    files.push({
      path: entry.path,
      size: entry.size,
      ...(typeof entry.oid === 'string' ? { oid: entry.oid } : {}),
      ...(lfs && typeof lfs.oid === 'string' && typeof lfs.size === 'number'
        ? { lfs: { oid: lfs.oid, size: lfs.size } }
        : {}),
    });
  }
  return files;
}

/**
 * Downloads a model repository from a Hugging Face–style hub: lists the files, fetches the wanted
 * ones into `<file>.partial` with HTTP range requests (an interrupted download resumes where it
 * stopped, also across runs), checks size and checksum, then moves each into place: a file appears
 * under its own name only whole and verified, however the download ends.
 */
export async function pullModel(options: PullModelOptions): Promise<HubFile[]> {
  const endpoint = (options.endpoint ?? 'https://huggingface.co').replace(/\/$/, '');
  const revision = options.revision ?? 'main';
  const fetcher = options.fetch ?? fetch;
  const attempts = options.attempts ?? 4;
  const include = options.include ?? defaultInclude;
  const { signal } = options;
  const files = (await listHubFiles(options)).filter((file) => include(file.path));
  if (files.length === 0) throw new DownloadError(`${options.repo}@${revision} has no model files to download.`);
  let filesDone = 0;
  for (const file of files) {
    const target = normalize(join(options.directory, file.path));
    if (!target.startsWith(normalize(options.directory) + sep) || file.path.includes('\0')) {
      throw new DownloadError(
        `${options.repo}: file path ${JSON.stringify(file.path)} escapes the download folder or is no file name.`,
      );
    }
    const total = file.lfs?.size ?? file.size;
    if (!Number.isSafeInteger(total) || total < 0)
      throw new DownloadError(
        `${options.repo}: the listing gives ${file.path} a size of ${total} bytes, which is no size; the hub's answer is malformed.`,
      );
    const report = (downloadedBytes: number): void =>
      options.onProgress?.({
        file: file.path,
        downloadedBytes,
        totalBytes: total,
        filesDone,
        filesTotal: files.length,
      });
    await mkdir(dirname(target), { recursive: true });
    const done = await stat(target).catch(() => undefined);
    if (done?.size === total) {
      const check = checksum(file);
      if (check) await hashExisting(target, check.hash, total, signal);
      if (!check || check.hash.digest('hex') === check.expected) {
        filesDone += 1;
        report(total);
        continue;
      }
    }
    const partial = `${target}.partial`;
    const url = `${endpoint}/${options.repo}/resolve/${encodeURIComponent(revision)}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      let have = (await stat(partial).catch(() => undefined))?.size ?? 0;
      if (have > total) have = 0;
      const check = checksum(file);
      if (check) await hashExisting(partial, check.hash, have, signal);
      let failure: DownloadError | undefined;
      if (have < total) {
        const headers: Record<string, string> = have > 0 ? { range: `bytes=${have}-` } : {};
        if (options.token) headers.authorization = `Bearer ${options.token}`;
        try {
          const response = await fetcher(url, { headers, signal });
          if (!response.ok) {
            failure = new DownloadError(`downloading ${file.path} from ${url} failed with HTTP ${response.status}.`);
            if (!retryable(response.status)) throw failure;
          } else {
            // A server that ignores the range starts over from byte 0.
            if (have > 0 && response.status !== 206) {
              have = 0;
              if (check) check.hash = checksum(file)?.hash ?? check.hash;
            }
            const handle = await open(partial, have > 0 ? 'a' : 'w');
            try {
              for await (const chunk of response.body ?? []) {
                const bytes = chunk as Uint8Array;
                if (have + bytes.length > total)
                  throw new DownloadError(`${file.path}: the server sent more than the listed ${total} bytes.`);
                await handle.write(bytes);
                check?.hash.update(bytes);
                have += bytes.length;
                report(have);
              }
            } finally {
              await handle.close();
            }
          }
        } catch (error) {
          signal?.throwIfAborted();
          // A refused status or an over-long body will not get better on retry; a dropped connection may.
          if (DownloadError.isInstance(error)) throw error;
          failure = new DownloadError(
            `downloading ${file.path} from ${url} was interrupted at byte ${have} of ${total} (${(error as Error).message}).`,
            { cause: error },
          );
        }
      }
      if (!failure && have === total) {
        if (check && check.hash.digest('hex') !== check.expected) {
          await rename(partial, `${partial}.corrupt`);
          throw new DownloadError(
            `${file.path}: checksum mismatch (expected ${check.expected}); the corrupt download was kept as ${partial}.corrupt and will be fetched again next time.`,
          );
        }
        await rename(partial, target);
        break;
      }
      failure ??= new DownloadError(`downloading ${file.path}: the response ended at byte ${have} of ${total}.`);
      if (attempt >= attempts) throw failure;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
    }
    filesDone += 1;
    report(total);
  }
  return files;
}
