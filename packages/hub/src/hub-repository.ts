import { HubApiError, type RepoId } from '@huggingface/hub';

/** Which repository, at which revision, on which hub: the options every hub call shares. */
export interface HubRepositoryOptions {
  /** `owner/name`, e.g. `BAAI/AquilaSQL-7B` or `b-mc2/sql-create-context`. */
  repo: string;
  /** Default `model`. */
  repoType?: 'model' | 'dataset';
  /** Branch, tag or commit; default `main`. */
  revision?: string;
  /** Hub base URL; default `https://huggingface.co` (a mirror, or a server on 127.0.0.1 in tests). */
  endpoint?: string;
  /** Access token, sent as a Bearer header to the hub only, never to a host a download is redirected to. */
  token?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export function hubEndpoint(options: Pick<HubRepositoryOptions, 'endpoint'>): string {
  return (options.endpoint ?? 'https://huggingface.co').replace(/\/+$/, '');
}

export function repoId(options: Pick<HubRepositoryOptions, 'repo' | 'repoType'>): RepoId {
  return { type: options.repoType ?? 'model', name: options.repo };
}

/** The hub's download URL of a file: `<endpoint>/[datasets/]<owner>/<name>/resolve/<revision>/<path>`. */
export function resolveUrl(
  options: Pick<HubRepositoryOptions, 'repo' | 'repoType' | 'endpoint'> & { revision: string; path: string },
): string {
  const prefix = options.repoType === 'dataset' ? 'datasets/' : '';
  const path = options.path.split('/').map(encodeURIComponent).join('/');
  return `${hubEndpoint(options)}/${prefix}${options.repo}/resolve/${encodeURIComponent(options.revision)}/${path}`;
}

/**
 * The fetch handed to @huggingface/hub's calls, which take neither an AbortSignal nor a token that does not
 * start with `hf_` (a mirror's): both ride on every request here.
 */
export function hubFetch(options: Pick<HubRepositoryOptions, 'token' | 'fetch' | 'signal'>): typeof fetch {
  const fetcher = options.fetch ?? fetch;
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (options.token !== undefined) headers.set('authorization', `Bearer ${options.token}`);
    return fetcher(input, { ...init, headers, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  };
}

/** What went wrong with an API call, for a message: `HTTP 404 (...hint)` or the network failure. */
export function describeHubFailure(error: unknown): string {
  if (error instanceof HubApiError) {
    const hint =
      error.statusCode === 401 || error.statusCode === 403 || error.statusCode === 404
        ? ' (a private or gated repo needs a token; or the name is wrong)'
        : '';
    return `failed with HTTP ${error.statusCode}${hint}`;
  }
  return `failed (${error instanceof Error ? error.message : String(error)}); check the network and the endpoint`;
}
