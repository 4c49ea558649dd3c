// Properties of the .idx parser, run in a worker with a wall-clock limit (open-indexed-dataset.test.ts).
import fc from 'fast-check';
import { IndexedDatasetFormatError } from '../errors.js';
import {
  decodeIndexedDatasetIndex,
  encodeIndexedDatasetIndex,
  type IndexedDatasetDtype,
  indexMagic,
} from './indexed-dataset-index.js';

const dtypes: IndexedDatasetDtype[] = ['uint8', 'int8', 'int16', 'int32', 'int64', 'float64', 'float32', 'uint16'];

/** A valid index: random documents of random sequence lengths. */
const validIndex = fc
  .record({
    dtype: fc.constantFrom(...dtypes),
    documents: fc.array(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 4 }), { maxLength: 8 }),
  })
  .map(({ dtype, documents }) => {
    const lengths = documents.flat();
    const itemSize = { uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, float32: 4, int64: 8, float64: 8 }[dtype];
    let pointer = 0n;
    const pointers = lengths.map((length) => {
      const at = pointer;
      pointer += BigInt(length * itemSize);
      return at;
    });
    const documentIndices = [0n];
    for (const sequences of documents) documentIndices.push(documentIndices.at(-1)! + BigInt(sequences.length));
    return {
      dtype,
      sequenceLengths: Int32Array.from(lengths),
      sequencePointers: BigInt64Array.from(pointers),
      documentIndices: BigInt64Array.from(documentIndices),
    };
  });

/** A valid index's bytes with a few bytes overwritten, cut short or extended: what a damaged file looks like. */
const damagedBytes = fc
  .tuple(
    validIndex,
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.option(fc.nat()),
    fc.uint8Array({ maxLength: 12 }),
  )
  .map(([index, writes, cut, tail]) => {
    let bytes = encodeIndexedDatasetIndex(index);
    for (const [at, value] of writes) bytes[at % bytes.length] = value;
    if (cut !== null) bytes = bytes.subarray(0, cut % (bytes.length + 1));
    return Uint8Array.from([...bytes, ...tail]);
  });

/** Random bytes behind the real magic, so the parser gets past its first check. */
const magicThenNoise = fc.uint8Array({ maxLength: 120 }).map((noise) => Uint8Array.from([...indexMagic, ...noise]));

function decodesOrRefuses(bytes: Uint8Array): void {
  try {
    decodeIndexedDatasetIndex(bytes, 'fuzz.idx');
  } catch (error) {
    if (!(error instanceof IndexedDatasetFormatError))
      throw new Error(`not an IndexedDatasetFormatError: ${String(error)}`);
    if (!error.message.startsWith('fuzz.idx: ') || /[\r\n]/.test(error.message))
      throw new Error(`the message does not name the file in one line: ${error.message}`);
  }
}

export function decodeAcceptsOrRefuses(): void {
  fc.assert(fc.property(fc.oneof(damagedBytes, magicThenNoise, fc.uint8Array({ maxLength: 80 })), decodesOrRefuses), {
    numRuns: 20_000,
  });
}

export function encodeDecodeRoundTrips(): void {
  fc.assert(
    fc.property(validIndex, (index) => {
      const decoded = decodeIndexedDatasetIndex(encodeIndexedDatasetIndex(index));
      if (
        JSON.stringify(decoded, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)) !==
        JSON.stringify(index, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))
      ) {
        throw new Error('the index did not survive encode and decode');
      }
    }),
    { numRuns: 5000 },
  );
}
