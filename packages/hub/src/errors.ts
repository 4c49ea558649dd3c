import { AquilaError } from '@aquila/errors';

/** Listing or downloading from the hub failed: an HTTP status, the network, the disk, or a malformed answer. */
export class DownloadError extends AquilaError {
  static override readonly code: string = 'AQUILA_DOWNLOAD';
}

/** A downloaded file's checksum (LFS SHA-256, SHA-256 ETag or git blob id) differs from the hub's. */
export class ChecksumMismatchError extends DownloadError {
  static override readonly code: string = 'AQUILA_CHECKSUM_MISMATCH';
}
