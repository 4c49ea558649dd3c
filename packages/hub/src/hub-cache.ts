import { mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '@aquila/files';
import { getHFHubCachePath, getRepoFolderName } from '@huggingface/hub';
import { DownloadError } from './errors.js';
import { type HubRepositoryOptions, repoId } from './hub-repository.js';
import { resolveHubRevision } from './resolve-hub-revision.js';

/**
 * A repository's folder in the hub cache, the layout Python's huggingface_hub and @huggingface/hub share:
 * `<cache>/models--owner--name/` with `blobs/<sha256 or git id>` (the content, once), `snapshots/<commit>/<path>`
 * (links to the blobs) and `refs/<revision>` (the commit the revision pointed at).
 */
export interface HubCacheFolder {
  /** The commit the snapshot is of. */
  commit: string;
  blob: (etag: string) => string;
  /** The snapshot folder; files are linked in below it. */
  snapshot: string;
}

/**
 * Opens a repository's folder in the cache (default HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub,
 * as the hub's clients choose): resolves the revision to its commit (one API call unless it is a commit already) and
 * records it in `refs/<revision>`.
 */
export async function openHubCacheFolder(
  options: HubRepositoryOptions & { cacheDirectory?: string; revision: string },
): Promise<HubCacheFolder> {
  const repo = repoId(options);
  const storage = join(options.cacheDirectory ?? getHFHubCachePath(), getRepoFolderName(repo));
  const commit = await resolveHubRevision(options);
  if (commit !== options.revision) {
    const ref = join(storage, 'refs', options.revision);
    await inCache(`write ${ref}`, async () => {
      await mkdir(dirname(ref), { recursive: true });
      await writeFileAtomic({ path: ref, data: commit });
    });
  }
  return { commit, blob: (etag) => join(storage, 'blobs', etag), snapshot: join(storage, 'snapshots', commit) };
}

/** Links a snapshot file to its blob with a relative link (the cache stays valid when moved), replacing an old link. */
export function linkSnapshotFile(options: { link: string; blob: string }): Promise<void> {
  return inCache(`link ${options.link} to ${options.blob}`, async () => {
    await mkdir(dirname(options.link), { recursive: true });
    await rm(options.link, { force: true });
    await symlink(relative(dirname(options.link), options.blob), options.link);
  });
}

async function inCache(what: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new DownloadError(
      `cannot ${what} (${reason}); check that the hub cache can be written (HF_HUB_CACHE or HF_HOME name another).`,
      { cause: error },
    );
  }
}
