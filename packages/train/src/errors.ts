import { AquilaError } from '@aquila/errors';

/** Index-map parameters that Megatron would reject (no documents, too few tokens, bad split string…). */
export class IndexMapError extends AquilaError {
  static override readonly code: string = 'AQUILA_INDEX_MAP';
}

/** A cached index-map `.npy` file whose contents disagree with the dataset it claims to index. */
export class IndexMapCacheError extends AquilaError {
  static override readonly code: string = 'AQUILA_INDEX_MAP_CACHE';
}

/** A run config with unknown, conflicting, missing or mistyped keys; `path` names the key. */
export class RunConfigError extends AquilaError {
  static override readonly code: string = 'AQUILA_RUN_CONFIG';
  /** Dotted path of the offending key, e.g. `optimizer.lr`; empty for the whole document. */
  readonly path: string;
  constructor(message: string, options: { path: string; file?: string; cause?: unknown }) {
    // A key may hold line breaks or other control characters (YAML allows them): quoted, the message stays one line.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
    const path = /[\u0000-\u001f\u007f\u2028\u2029]/.test(options.path) ? JSON.stringify(options.path) : options.path;
    super(`${options.file === undefined ? '' : `${options.file}: `}${path === '' ? '' : `${path}: `}${message}`, {
      cause: options.cause,
    });
    this.path = options.path;
  }
}

/** An SFT record that is not FlagAI's `{conversations: [{from, value}], instruction?}` shape. */
export class SftRecordError extends AquilaError {
  static override readonly code: string = 'AQUILA_SFT_RECORD';
}

/** A run directory that is missing, unreadable or not made by this package. */
export class RunDirectoryError extends AquilaError {
  static override readonly code: string = 'AQUILA_RUN_DIRECTORY';
}

/** A run could not be started or stopped: FlagScale's runner failed, or an in-process trainer cannot be signalled safely from here. */
export class LaunchError extends AquilaError {
  static override readonly code: string = 'AQUILA_LAUNCH';
}

/** A data prefix whose `.bin`/`.idx` pair is missing or inconsistent. */
export class DataPrefixError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_PREFIX';
}
