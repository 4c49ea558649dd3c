import { open, readFile, stat } from 'node:fs/promises';
import { IndexedDatasetFormatError, IndexedDatasetNotFoundError } from '../errors.js';
import {
  decodeIndexedDatasetIndex,
  dtypeItemSize,
  type IndexedDatasetDtype,
  type IndexedDatasetIndex,
} from './indexed-dataset-index.js';
import { type TokenArray, tokenArrayFromBuffer, toTokenArray } from './token-array.js';

export interface OpenIndexedDatasetOptions {
  /** The prefix of `<prefix>.bin` and `<prefix>.idx`; the path of either file works too. */
  prefix: string;
}

export interface IndexedDataset {
  /** The prefix read (without `.bin`/`.idx`). */
  readonly prefix: string;
  readonly dtype: IndexedDatasetDtype;
  readonly index: IndexedDatasetIndex;
  readonly sequenceCount: number;
  readonly documentCount: number;
  readonly tokenCount: number;
  /** The tokens of sequence `sequence`. */
  readSequence(sequence: number): Promise<TokenArray>;
  /** The tokens of every sequence of document `document`, concatenated. */
  readDocument(document: number): Promise<TokenArray>;
  /** Every document in order. */
  documents(options?: { signal?: AbortSignal }): AsyncIterable<TokenArray>;
  close(): Promise<void>;
}

const fileProblem = (path: string) =>
  stat(path).then(
    (info) => (info.isFile() ? undefined : 'is not a file'),
    () => 'does not exist',
  );

/** The prefix a user meant: `x.bin` or `x.idx` names the pair `x`, unless `x.bin.idx` itself exists. */
async function resolvePrefix(given: string): Promise<string> {
  const extension = /\.(?:bin|idx)$/.exec(given);
  if (extension === null || (await fileProblem(`${given}.idx`)) === undefined) return given;
  return given.slice(0, extension.index);
}

/**
 * Opens a Megatron MMIDIDX pair for reading: the index is parsed and checked, tokens are read on demand.
 * A missing pair or a folder is an `IndexedDatasetNotFoundError`, a file that is not an MMIDIDX index an
 * `IndexedDatasetFormatError` naming the file (and the byte offset where the index goes wrong).
 */
export async function openIndexedDataset(options: OpenIndexedDatasetOptions): Promise<IndexedDataset> {
  const prefix = await resolvePrefix(options.prefix);
  const idxPath = `${prefix}.idx`;
  const binPath = `${prefix}.bin`;
  const problems = (
    await Promise.all([idxPath, binPath].map(async (path) => ({ path, problem: await fileProblem(path) })))
  ).filter(({ problem }) => problem !== undefined);
  if (problems.length > 0) {
    const what = problems.map(({ path, problem }) => `${path} ${problem}`).join(' and ');
    throw new IndexedDatasetNotFoundError(
      `no indexed dataset at ${options.prefix}: ${what}; give the prefix of a .bin/.idx pair (for out/x_text_document.bin and .idx, give out/x_text_document).`,
    );
  }
  const index = decodeIndexedDatasetIndex(await readFile(idxPath), idxPath);
  const itemSize = dtypeItemSize(index.dtype);
  let tokenCount = 0;
  for (const length of index.sequenceLengths) tokenCount += length;
  const binSize = (await stat(binPath)).size;
  if (binSize !== tokenCount * itemSize) {
    throw new IndexedDatasetFormatError(
      `${binPath}: ${binSize} bytes, but ${idxPath} describes ${tokenCount} tokens of ${itemSize} bytes. The pair is incomplete or mismatched; rebuild it.`,
    );
  }
  const handle = await open(binPath, 'r');
  const sequenceCount = index.sequenceLengths.length;
  const documentCount = index.documentIndices.length - 1;

  async function readRange(byteOffset: number, tokens: number): Promise<TokenArray> {
    const buffer = new ArrayBuffer(tokens * itemSize);
    if (tokens > 0) await handle.read(new Uint8Array(buffer), 0, buffer.byteLength, byteOffset);
    return toTokenArray(tokenArrayFromBuffer(index.dtype, buffer, 0, tokens));
  }

  function checkRange(value: number, count: number, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value >= count)
      throw new RangeError(`${what} ${value} is out of range: ${binPath} has ${count}.`);
  }

  async function readDocument(document: number): Promise<TokenArray> {
    checkRange(document, documentCount, 'Document');
    const first = Number(index.documentIndices[document]);
    const end = Number(index.documentIndices[document + 1]);
    let tokens = 0;
    for (let sequence = first; sequence < end; sequence++) tokens += index.sequenceLengths[sequence]!;
    return readRange(first < sequenceCount ? Number(index.sequencePointers[first]) : 0, tokens);
  }

  return {
    prefix,
    dtype: index.dtype,
    index,
    sequenceCount,
    documentCount,
    tokenCount,
    readSequence(sequence) {
      checkRange(sequence, sequenceCount, 'Sequence');
      return readRange(Number(index.sequencePointers[sequence]), index.sequenceLengths[sequence]!);
    },
    readDocument,
    async *documents({ signal } = {}) {
      for (let document = 0; document < documentCount; document++) {
        signal?.throwIfAborted();
        yield await readDocument(document);
      }
    },
    close: () => handle.close(),
  };
}
