import {
  type AsyncBuffer,
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { SourceColumnsError, SourceFormatError } from '../errors.js';

export interface ReadParquetRowsOptions {
  path: string;
  /** Top-level columns to read; all must exist. */
  columns: readonly string[];
  /** Most rows decoded at a time; bounds memory. Row groups up to this size are decoded whole (slicing one re-decodes it). 65,536 by default. */
  batchRows?: number;
  signal?: AbortSignal;
}

/** An opened parquet file: its metadata and top-level columns (`groups`: those that are structs or lists). */
export interface ParquetFile {
  file: AsyncBuffer;
  metadata: FileMetaData;
  columns: string[];
  groups: ReadonlySet<string>;
}

function corrupt(path: string, error: unknown): never {
  throw new SourceFormatError(
    `${path}: not a readable parquet file (${error instanceof Error ? error.message : String(error)}). It is corrupt or truncated; download it again.`,
    { cause: error },
  );
}

/** Reads a parquet file's footer: its top-level columns. Empty or corrupt files raise `SourceFormatError`. */
export async function openParquetFile(path: string): Promise<ParquetFile> {
  const file = await asyncBufferFromFile(path);
  if (file.byteLength === 0) throw new SourceFormatError(`${path}: the file is empty. Download it again.`);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    corrupt(path, error);
  }
  const columns: string[] = [];
  const groups = new Set<string>();
  let childrenLeft = metadata.schema[0]?.num_children ?? 0;
  // Top-level names are the root's direct children; skip over each child's own subtree.
  for (let index = 1, pending = 0; index < metadata.schema.length && childrenLeft > 0; index++) {
    const element = metadata.schema[index]!;
    if (pending === 0) {
      columns.push(element.name);
      if ((element.num_children ?? 0) > 0) groups.add(element.name);
      childrenLeft--;
    } else pending--;
    pending += element.num_children ?? 0;
  }
  return { file, metadata, columns, groups };
}

/** Whether a file is parquet: its first four bytes are `PAR1`. */
export async function isParquetFile(path: string): Promise<boolean> {
  const file = await asyncBufferFromFile(path);
  if (file.byteLength < 4) return false;
  return Buffer.from(await file.slice(0, 4)).toString('latin1') === 'PAR1';
}

/** Streams parquet rows as objects (nested structs and lists assembled), batch by batch. Corrupt files raise `SourceFormatError`. */
export async function* readParquetRows(
  options: ReadParquetRowsOptions,
): AsyncGenerator<{ row: number; value: Record<string, unknown> }> {
  const { file, metadata, columns } = await openParquetFile(options.path);
  const missing = options.columns.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    throw new SourceColumnsError(
      `${options.path}: the parquet schema has columns ${JSON.stringify(columns)} but lacks ${JSON.stringify(missing)}. Is this the right file for this source?`,
      { layout: { file: options.path, columns, expected: `columns ${options.columns.join(', ')}` } },
    );
  }
  const batchRows = options.batchRows ?? 65_536;
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    for (let rowStart = groupStart; rowStart < groupEnd; rowStart += batchRows) {
      options.signal?.throwIfAborted();
      let batch: Record<string, unknown>[] = [];
      try {
        batch = await parquetReadObjects({
          file,
          metadata,
          compressors,
          columns: [...options.columns],
          rowStart,
          rowEnd: Math.min(groupEnd, rowStart + batchRows),
        });
      } catch (error) {
        corrupt(options.path, error);
      }
      for (let index = 0; index < batch.length; index++) yield { row: rowStart + index, value: batch[index]! };
    }
    groupStart = groupEnd;
  }
}
