export type { DownloadedHubFile } from './download-hub-file.js';
export type { DownloadHubFilesOptions, HubDownloadProgress, HubFileRequest } from './download-hub-files.js';
export { downloadHubFiles } from './download-hub-files.js';
export { ChecksumMismatchError, DownloadError } from './errors.js';
export type { HubRepositoryOptions } from './hub-repository.js';
export type { HubFile } from './list-hub-files.js';
export { listHubFiles } from './list-hub-files.js';
export { isModelFile } from './model-files.js';
export { resolveHubRevision } from './resolve-hub-revision.js';
