import { datasetInfo, modelInfo } from '@huggingface/hub';
import { DownloadError } from './errors.js';
import { describeHubFailure, type HubRepositoryOptions, hubEndpoint, hubFetch, repoId } from './hub-repository.js';

const commitPattern = /^[0-9a-f]{40}$/;

/**
 * The commit a revision (a branch such as `main` or `refs/convert/parquet`, a tag, a commit) points at, from the
 * hub's repository info: one API call, none for a commit already. Listing and downloading at the commit keeps a
 * fetch on one consistent state of the repository, and the commit is what a manifest records.
 */
export async function resolveHubRevision(options: HubRepositoryOptions): Promise<string> {
  const revision = options.revision ?? 'main';
  if (commitPattern.test(revision)) return revision;
  const repo = repoId(options);
  const request = {
    name: repo.name,
    revision,
    hubUrl: hubEndpoint(options),
    fetch: hubFetch(options),
    additionalFields: ['sha' as const],
  };
  try {
    const info = await (repo.type === 'dataset' ? datasetInfo(request) : modelInfo(request));
    if (typeof info.sha !== 'string' || !commitPattern.test(info.sha))
      throw new Error(`the answer names no commit (sha ${JSON.stringify(info.sha)})`);
    return info.sha;
  } catch (error) {
    options.signal?.throwIfAborted();
    throw new DownloadError(
      `resolving ${options.repo}@${revision} to a commit at ${hubEndpoint(options)} ${describeHubFailure(error)}.`,
      { cause: error },
    );
  }
}
