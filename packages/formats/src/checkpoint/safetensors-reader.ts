import { describeValue } from '@aquila/errors';
import { CheckpointFormatError, CheckpointTensorError } from '../errors.js';
import type { Checkpoint, CheckpointTensorInfo, ReadTensorOptions } from './checkpoint.js';
import { type CheckpointFileOptions, openCheckpointFile, readExactly, readTensorValues } from './checkpoint-file.js';
import { isWeightDtype, weightDtypeSizes } from './tensor-dtype.js';

/** The largest JSON header read; real headers are a few hundred KiB, and the length field is attacker-chosen. */
const maximumHeaderLength = 100 * 1024 * 1024;

interface SafetensorsEntry extends CheckpointTensorInfo {
  begin: number;
  end: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseHeader(file: string, text: string, bufferLength: number): SafetensorsEntry[] {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new CheckpointFormatError(
      `${file}: the safetensors header is not valid JSON (${(error as Error).message}).`,
      { cause: error },
    );
  }
  if (!isRecord(header)) throw new CheckpointFormatError(`${file}: the safetensors header is not a JSON object.`);
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const where = `${file}: tensor ${describeValue(name, 200)}`;
    if (!isRecord(value)) throw new CheckpointFormatError(`${where} is not an object in the header.`);
    const { dtype, shape, data_offsets: offsets } = value;
    if (typeof dtype !== 'string' || !isWeightDtype(dtype))
      throw new CheckpointFormatError(
        `${where} has dtype ${describeValue(dtype)}; weights must be F32, F16, BF16 or F64.`,
      );
    if (!Array.isArray(shape) || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
      throw new CheckpointFormatError(
        `${where} has an invalid shape ${describeValue(shape)} (it must be an array of non-negative integers).`,
      );
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0)
    ) {
      throw new CheckpointFormatError(
        `${where} has invalid data_offsets ${describeValue(offsets)} (they must be two non-negative integers).`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > bufferLength) {
      throw new CheckpointFormatError(
        `${where} has data_offsets [${begin}, ${end}] outside the data buffer of ${bufferLength} bytes; the file is truncated or the header lies.`,
      );
    }
    let elements = 1;
    for (const size of shape as number[]) elements *= size;
    const expected = elements * weightDtypeSizes[dtype];
    if (!Number.isSafeInteger(expected) || expected !== end - begin) {
      throw new CheckpointFormatError(
        `${where} spans ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected}.`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], file, begin, end });
  }
  // By begin, then end: an empty tensor at the start of another ([0, 0] and [0, 4]) does not overlap it.
  const sorted = [...entries].sort((left, right) => left.begin - right.begin || left.end - right.end);
  for (let index = 1; index < sorted.length; index++) {
    const previous = sorted[index - 1] as SafetensorsEntry;
    const current = sorted[index] as SafetensorsEntry;
    if (current.begin < previous.end) {
      throw new CheckpointFormatError(
        `${file}: tensors ${describeValue(previous.name, 200)} [${previous.begin}, ${previous.end}) and ${describeValue(current.name, 200)} [${current.begin}, ${current.end}) overlap.`,
      );
    }
  }
  return sorted;
}

export type OpenSafetensorsOptions = CheckpointFileOptions;

/** Opens one safetensors file, validating its header against the file size before any tensor is read. */
export async function openSafetensors(options: OpenSafetensorsOptions): Promise<Checkpoint> {
  const file = options.path;
  const handle = await openCheckpointFile({ ...options, kind: 'the safetensors file' });
  try {
    const { size } = await handle.stat();
    if (size < 8)
      throw new CheckpointFormatError(
        `${file}: ${size} bytes is too short for a safetensors file (it starts with an 8-byte header length).`,
      );
    const lengthBytes = await readExactly(handle, file, 0, 8);
    const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
    if (headerLength > BigInt(Math.min(maximumHeaderLength, size - 8))) {
      throw new CheckpointFormatError(
        `${file}: the header length field says ${headerLength} bytes, but the file has ${size - 8} after it (limit ${maximumHeaderLength}); the file is truncated or not safetensors.`,
      );
    }
    const length = Number(headerLength);
    const headerBytes = await readExactly(handle, file, 8, length);
    let text: string;
    try {
      // Strictly: a name with bytes that are not UTF-8 would otherwise become another name, with U+FFFD in it.
      text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch (error) {
      throw new CheckpointFormatError(
        `${file}: the safetensors header is not UTF-8 text; the file is damaged or not safetensors.`,
        { cause: error },
      );
    }
    const dataStart = 8 + length;
    const entries = parseHeader(file, text, size - dataStart);
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    return {
      tensors: entries.map(({ name, dtype, shape }) => ({ name, dtype, shape, file })),
      get(name) {
        const entry = byName.get(name);
        return entry && { name: entry.name, dtype: entry.dtype, shape: entry.shape, file };
      },
      async read(name: string, readOptions: ReadTensorOptions = {}) {
        readOptions.signal?.throwIfAborted();
        const entry = byName.get(name);
        if (!entry) throw new CheckpointTensorError(`${file}: no tensor named "${name}".`);
        return readTensorValues(handle, file, dataStart + entry.begin, entry.end - entry.begin, entry.dtype);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
