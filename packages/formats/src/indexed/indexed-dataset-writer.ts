import { type FileHandle, open, writeFile } from 'node:fs/promises';
import { createAtomicFile } from '@aquila/files';
import {
  dtypeItemSize,
  encodeIndexedDatasetIndex,
  type IndexedDatasetDtype,
  optimalDtype,
} from './indexed-dataset-index.js';
import { tokenArrayFromBuffer, writeTokens } from './token-array.js';

export interface IndexedDatasetWriterOptions {
  /** Output prefix: the writer makes `<prefix>.bin` and `<prefix>.idx`. */
  prefix: string;
  /** Token dtype; default from `vocabularySize` (uint16 below 65,500, else int32), or int32. */
  dtype?: IndexedDatasetDtype;
  /** Vocabulary size, used to choose the dtype as Megatron does. */
  vocabularySize?: number;
  /** Id put before every document (FlagAI: `[CLS]` = 100006). */
  bos?: number;
  /** Id put after every document (FlagAI and FlagScale: `</s>` = 100007). */
  eod?: number;
  signal?: AbortSignal;
}

export interface IndexedDatasetSummary {
  prefix: string;
  binPath: string;
  idxPath: string;
  dtype: IndexedDatasetDtype;
  sequences: number;
  documents: number;
  tokens: number;
}

export interface IndexedDatasetWriter {
  readonly dtype: IndexedDatasetDtype;
  /** Adds one document as one sequence, with the writer's BOS/EOD around it. */
  addDocument(ids: ArrayLike<number>): Promise<void>;
  /** Adds one sequence to the current document (sentence-level datasets); no BOS/EOD. */
  addSequence(ids: ArrayLike<number>): Promise<void>;
  /** Closes the current document (after `addSequence` calls). */
  endDocument(): void;
  /** Writes the index and moves both files to their final names. */
  finish(): Promise<IndexedDatasetSummary>;
  /** Deletes the partial files; nothing is left under the final names. */
  abort(): Promise<void>;
}

const chunkBytes = 1 << 22;

/**
 * A streaming writer of Megatron MMIDIDX `.bin/.idx` pairs. Tokens go to disk in 4 MiB chunks, so memory
 * holds only the 12 bytes per sequence the index needs. Both files are written under temporary names and
 * renamed at `finish`, so a crash never leaves a half-written pair under the final names.
 */
export async function createIndexedDatasetWriter(options: IndexedDatasetWriterOptions): Promise<IndexedDatasetWriter> {
  const dtype =
    options.dtype ?? (options.vocabularySize === undefined ? 'int32' : optimalDtype(options.vocabularySize));
  const itemSize = dtypeItemSize(dtype);
  const binPath = `${options.prefix}.bin`;
  const idxPath = `${options.prefix}.idx`;
  // Temporary names are removed at process exit too, so Ctrl-C (turned into process.exit) leaves no partial file.
  const binFile = createAtomicFile({ path: binPath });
  const idxFile = createAtomicFile({ path: idxPath });
  let handle: FileHandle;
  try {
    handle = await open(binFile.temporaryPath, 'w');
  } catch (error) {
    await Promise.all([binFile.abort(), idxFile.abort()]);
    throw error;
  }
  const chunk = new ArrayBuffer(chunkBytes);
  const chunkTokens = tokenArrayFromBuffer(dtype, chunk, 0, chunkBytes / itemSize);
  let used = 0;
  let tokens = 0;
  const sequenceLengths: number[] = [];
  const documentIndices: number[] = [0];
  let closed = false;
  const framing = [options.bos, options.eod].filter((id) => id !== undefined).length;

  async function flush(): Promise<void> {
    if (used === 0) return;
    await handle.write(new Uint8Array(chunk, 0, used * itemSize));
    used = 0;
  }

  async function append(ids: ArrayLike<number>, where: string): Promise<void> {
    if (used + ids.length > chunkTokens.length) await flush();
    if (ids.length > chunkTokens.length) {
      const large = tokenArrayFromBuffer(dtype, new ArrayBuffer(ids.length * itemSize), 0, ids.length);
      writeTokens(dtype, large, 0, ids, where);
      await handle.write(new Uint8Array(large.buffer));
    } else {
      writeTokens(dtype, chunkTokens, used, ids, where);
      used += ids.length;
    }
  }

  function checkOpen(): void {
    if (closed) throw new Error('This indexed dataset writer is already finished or aborted.');
    options.signal?.throwIfAborted();
  }

  async function addSequence(ids: ArrayLike<number>): Promise<void> {
    checkOpen();
    await append(ids, `${binPath}, sequence ${sequenceLengths.length}`);
    sequenceLengths.push(ids.length);
    tokens += ids.length;
  }

  async function abort(): Promise<void> {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined);
    await Promise.all([binFile.abort(), idxFile.abort()]);
  }

  return {
    dtype,
    async addDocument(ids) {
      checkOpen();
      const where = `${binPath}, document ${documentIndices.length - 1}`;
      if (options.bos !== undefined) await append([options.bos], where);
      await append(ids, where);
      if (options.eod !== undefined) await append([options.eod], where);
      sequenceLengths.push(ids.length + framing);
      tokens += ids.length + framing;
      documentIndices.push(sequenceLengths.length);
    },
    addSequence,
    endDocument() {
      checkOpen();
      documentIndices.push(sequenceLengths.length);
    },
    async finish() {
      checkOpen();
      try {
        if (documentIndices.at(-1) !== sequenceLengths.length) documentIndices.push(sequenceLengths.length);
        await flush();
        await handle.close();
        closed = true;
        const lengths = Int32Array.from(sequenceLengths);
        const pointers = new BigInt64Array(lengths.length);
        let pointer = 0n;
        for (let index = 0; index < lengths.length; index++) {
          pointers[index] = pointer;
          pointer += BigInt(lengths[index]! * itemSize);
        }
        const index = encodeIndexedDatasetIndex({
          dtype,
          sequenceLengths: lengths,
          sequencePointers: pointers,
          documentIndices: BigInt64Array.from(documentIndices, BigInt),
        });
        await writeFile(idxFile.temporaryPath, index);
        // The .idx is renamed last: a reader that finds it also finds the complete .bin.
        await binFile.commit();
        await idxFile.commit();
      } catch (error) {
        closed = false;
        await abort();
        throw error;
      }
      return {
        prefix: options.prefix,
        binPath,
        idxPath,
        dtype,
        sequences: sequenceLengths.length,
        documents: documentIndices.length - 1,
        tokens,
      };
    },
    abort,
  };
}
