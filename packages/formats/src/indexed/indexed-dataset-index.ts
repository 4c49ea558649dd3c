import { IndexedDatasetFormatError } from '../errors.js';

/** Token dtypes of Megatron's MMIDIDX format, by the code stored in the `.idx` header. */
export type IndexedDatasetDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'float64' | 'float32' | 'uint16';

const codeByDtype: Record<IndexedDatasetDtype, number> = {
  uint8: 1,
  int8: 2,
  int16: 3,
  int32: 4,
  int64: 5,
  float64: 6,
  float32: 7,
  uint16: 8,
};
const dtypeByCode = new Map<number, IndexedDatasetDtype>(
  Object.entries(codeByDtype).map(([dtype, code]) => [code, dtype as IndexedDatasetDtype]),
);
const itemSizes: Record<IndexedDatasetDtype, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  float64: 8,
  float32: 4,
  uint16: 2,
};

/** `b"MMIDIDX\x00\x00"`, the first 9 bytes of every `.idx`. */
export const indexMagic = Uint8Array.from([0x4d, 0x4d, 0x49, 0x44, 0x49, 0x44, 0x58, 0x00, 0x00]);
const headerSize = 34;

/** The parsed contents of an `.idx` file. */
export interface IndexedDatasetIndex {
  dtype: IndexedDatasetDtype;
  /** Tokens per sequence. */
  sequenceLengths: Int32Array;
  /** Byte offset of each sequence in the `.bin`. */
  sequencePointers: BigInt64Array;
  /** Sequence index where each document ends, starting with 0: documents + 1 entries. */
  documentIndices: BigInt64Array;
}

export function dtypeItemSize(dtype: IndexedDatasetDtype): number {
  return itemSizes[dtype];
}

/** Megatron's `DType.optimal_dtype`: uint16 below 65,500 ids, int32 from there (Aquila's 100,008 ids: int32). */
export function optimalDtype(vocabularySize: number): 'uint16' | 'int32' {
  return vocabularySize < 65_500 ? 'uint16' : 'int32';
}

/** Serialises an index exactly as Megatron's `_IndexWriter` does. */
export function encodeIndexedDatasetIndex(index: IndexedDatasetIndex): Uint8Array {
  const sequenceCount = index.sequenceLengths.length;
  const documentCount = index.documentIndices.length;
  const bytes = new Uint8Array(headerSize + 12 * sequenceCount + 8 * documentCount);
  const view = new DataView(bytes.buffer);
  bytes.set(indexMagic, 0);
  view.setBigUint64(9, 1n, true);
  view.setUint8(17, codeByDtype[index.dtype]);
  view.setBigUint64(18, BigInt(sequenceCount), true);
  view.setBigUint64(26, BigInt(documentCount), true);
  let offset = headerSize;
  for (const length of index.sequenceLengths) {
    view.setInt32(offset, length, true);
    offset += 4;
  }
  for (const pointer of index.sequencePointers) {
    view.setBigInt64(offset, pointer, true);
    offset += 8;
  }
  for (const documentIndex of index.documentIndices) {
    view.setBigInt64(offset, documentIndex, true);
    offset += 8;
  }
  return bytes;
}

function fail(file: string, message: string): never {
  throw new IndexedDatasetFormatError(
    `${file}: ${message}. Rebuild the dataset (aquila data pack) or check that this is a Megatron MMIDIDX .idx file.`,
  );
}

/** Parses an `.idx` file's bytes, checking everything Megatron's reader asserts. */
export function decodeIndexedDatasetIndex(bytes: Uint8Array, file = '.idx'): IndexedDatasetIndex {
  if (bytes.length < headerSize) fail(file, `only ${bytes.length} bytes, shorter than the 34-byte header`);
  for (let index = 0; index < indexMagic.length; index++) {
    if (bytes[index] !== indexMagic[index]) fail(file, 'the 9 bytes at offset 0 are not the magic MMIDIDX\\x00\\x00');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getBigUint64(9, true);
  if (version !== 1n) fail(file, `version ${version} at offset 9, expected 1`);
  const code = view.getUint8(17);
  const dtype = dtypeByCode.get(code) ?? fail(file, `unknown dtype code ${code} at offset 17`);
  // Counts stay bigints until checked against the file size: a corrupt header can hold any 64-bit value.
  const sequences = view.getBigUint64(18, true);
  const documents = view.getBigUint64(26, true);
  const needed = BigInt(headerSize) + 12n * sequences + 8n * documents;
  // Multimodal datasets append one mode byte per sequence; text datasets never do.
  if (BigInt(bytes.length) !== needed && BigInt(bytes.length) !== needed + sequences) {
    fail(
      file,
      `the header counts ${sequences} sequences (offset 18) and ${documents} document indices (offset 26), which need ${needed} bytes, but the file has ${bytes.length}`,
    );
  }
  const sequenceCount = Number(sequences);
  const documentCount = Number(documents);
  const expected = Number(needed);
  // Copies, so each typed array starts aligned whatever the sequence count.
  const pointersStart = headerSize + 4 * sequenceCount;
  const documentsStart = pointersStart + 8 * sequenceCount;
  const sequenceLengths = new Int32Array(new Uint8Array(bytes.subarray(headerSize, pointersStart)).buffer);
  const sequencePointers = new BigInt64Array(new Uint8Array(bytes.subarray(pointersStart, documentsStart)).buffer);
  const documentIndices = new BigInt64Array(new Uint8Array(bytes.subarray(documentsStart, expected)).buffer);
  if (documentCount === 0)
    fail(file, 'the header counts no document indices (offset 26); there is always at least the leading 0');
  if (documentIndices[0] !== 0n)
    fail(file, `document indices must start with 0, found ${documentIndices[0]} at offset ${documentsStart}`);
  if (documentIndices[documentCount - 1] !== BigInt(sequenceCount))
    fail(
      file,
      `the last document index (offset ${documentsStart + 8 * (documentCount - 1)}) is not the sequence count ${sequenceCount}`,
    );
  for (let index = 1; index < documentCount; index++) {
    if (documentIndices[index]! < documentIndices[index - 1]!)
      fail(file, `document indices decrease at entry ${index} (offset ${documentsStart + 8 * index})`);
  }
  let pointer = 0n;
  const itemSize = BigInt(itemSizes[dtype]);
  for (let index = 0; index < sequenceCount; index++) {
    if (sequenceLengths[index]! < 0)
      fail(file, `sequence ${index} has negative length ${sequenceLengths[index]} (offset ${headerSize + 4 * index})`);
    if (sequencePointers[index] !== pointer)
      fail(
        file,
        `sequence ${index} points at byte ${sequencePointers[index]} of the .bin, expected ${pointer} (offset ${pointersStart + 8 * index})`,
      );
    pointer += BigInt(sequenceLengths[index]!) * itemSize;
  }
  return { dtype, sequenceLengths, sequencePointers, documentIndices };
}
