import type { FileHandle } from 'node:fs/promises';
import { describeValue } from '@aquila/errors';
import { CheckpointFormatError } from '../errors.js';
import { readExactly } from './checkpoint-file.js';

export interface ZipEntry {
  name: string;
  /** Offset of the entry's bytes in the file. */
  dataOffset: number;
  size: number;
}

const endOfDirectorySignature = 0x06054b50;
const zip64LocatorSignature = 0x07064b50;
const zip64EndSignature = 0x06064b50;
const directorySignature = 0x02014b50;
const localSignature = 0x04034b50;
/** The most directory bytes read: a million entries fit; a lying size field cannot ask for gigabytes. */
const maximumDirectoryLength = 256 * 1024 * 1024;

function safeNumber(value: bigint, file: string, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new CheckpointFormatError(`${file}: zip ${what} ${value} is out of range.`);
  return Number(value);
}

/**
 * Lists the stored (uncompressed) entries of a zip file, as PyTorch's `torch.save` writes them, zip64
 * included. Every offset and size is checked against the file size before use.
 */
export async function readZipEntries(handle: FileHandle, file: string): Promise<ZipEntry[]> {
  const { size } = await handle.stat();
  const tailLength = Math.min(size, 22 + 65535);
  const tail = await readExactly(handle, file, size - tailLength, tailLength);
  const tailView = new DataView(tail.buffer);
  let end = -1;
  for (let index = tailLength - 22; index >= 0; index--) {
    if (tailView.getUint32(index, true) === endOfDirectorySignature) {
      end = index;
      break;
    }
  }
  if (end < 0)
    throw new CheckpointFormatError(
      `${file}: no zip end-of-directory record; not a PyTorch zip checkpoint (legacy torch.save files are not supported: re-save with torch >= 1.6).`,
    );
  let count = tailView.getUint16(end + 10, true);
  let directorySize = tailView.getUint32(end + 12, true);
  let directoryOffset = tailView.getUint32(end + 16, true);
  const endPosition = size - tailLength + end;
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    if (endPosition < 20) throw new CheckpointFormatError(`${file}: zip64 locator missing.`);
    const locator = new DataView((await readExactly(handle, file, endPosition - 20, 20)).buffer);
    if (locator.getUint32(0, true) !== zip64LocatorSignature)
      throw new CheckpointFormatError(`${file}: zip64 locator missing at byte ${endPosition - 20}.`);
    const recordOffset = safeNumber(locator.getBigUint64(8, true), file, 'zip64 record offset');
    if (recordOffset + 56 > size)
      throw new CheckpointFormatError(`${file}: zip64 record offset ${recordOffset} is past the end of the file.`);
    const record = new DataView((await readExactly(handle, file, recordOffset, 56)).buffer);
    if (record.getUint32(0, true) !== zip64EndSignature)
      throw new CheckpointFormatError(`${file}: bad zip64 end record at byte ${recordOffset}.`);
    count = safeNumber(record.getBigUint64(32, true), file, 'entry count');
    directorySize = safeNumber(record.getBigUint64(40, true), file, 'directory size');
    directoryOffset = safeNumber(record.getBigUint64(48, true), file, 'directory offset');
  }
  if (directorySize > maximumDirectoryLength) {
    throw new CheckpointFormatError(
      `${file}: the zip directory claims ${directorySize} bytes, over the ${maximumDirectoryLength}-byte limit; the file is damaged or not a PyTorch checkpoint.`,
    );
  }
  if (directoryOffset + directorySize > size || count * 46 > directorySize) {
    throw new CheckpointFormatError(
      `${file}: the zip directory (${count} entries, ${directorySize} bytes at ${directoryOffset}) does not fit in the ${size}-byte file; it is truncated.`,
    );
  }
  const directory = await readExactly(handle, file, directoryOffset, directorySize);
  const view = new DataView(directory.buffer);
  const entries: ZipEntry[] = [];
  let position = 0;
  for (let index = 0; index < count; index++) {
    if (position + 46 > directorySize || view.getUint32(position, true) !== directorySignature) {
      throw new CheckpointFormatError(
        `${file}: bad zip directory entry ${index} at byte ${directoryOffset + position}.`,
      );
    }
    const method = view.getUint16(position + 10, true);
    let compressedSize = view.getUint32(position + 20, true);
    let uncompressedSize = view.getUint32(position + 24, true);
    const nameLength = view.getUint16(position + 28, true);
    const extraLength = view.getUint16(position + 30, true);
    const commentLength = view.getUint16(position + 32, true);
    let localOffset = view.getUint32(position + 42, true);
    const next = position + 46 + nameLength + extraLength + commentLength;
    if (next > directorySize)
      throw new CheckpointFormatError(`${file}: zip directory entry ${index} overruns the directory.`);
    const name = new TextDecoder().decode(directory.subarray(position + 46, position + 46 + nameLength));
    const extraEnd = position + 46 + nameLength + extraLength;
    for (let extra = position + 46 + nameLength; extra + 4 <= extraEnd; ) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (id === 0x0001) {
        let field = extra + 4;
        // A field's own length may claim more than the entry's extra area holds: read within both.
        const fieldEnd = Math.min(extra + 4 + length, extraEnd);
        const take = (): number => {
          if (field + 8 > fieldEnd)
            throw new CheckpointFormatError(`${file}: short zip64 extra field for ${describeValue(name, 200)}.`);
          const value = safeNumber(view.getBigUint64(field, true), file, 'zip64 field');
          field += 8;
          return value;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      extra += 4 + length;
    }
    if (method !== 0 || compressedSize !== uncompressedSize) {
      throw new CheckpointFormatError(
        `${file}: zip entry ${describeValue(name, 200)} is compressed (method ${method}); PyTorch checkpoints store entries uncompressed.`,
      );
    }
    if (localOffset + 30 > size)
      throw new CheckpointFormatError(
        `${file}: zip entry ${describeValue(name, 200)} starts past the end of the file.`,
      );
    const local = new DataView((await readExactly(handle, file, localOffset, 30)).buffer);
    if (local.getUint32(0, true) !== localSignature)
      throw new CheckpointFormatError(
        `${file}: bad local header for zip entry ${describeValue(name, 200)} at byte ${localOffset}.`,
      );
    const dataOffset = localOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (dataOffset + compressedSize > size) {
      throw new CheckpointFormatError(
        `${file}: zip entry ${describeValue(name, 200)} (${compressedSize} bytes at ${dataOffset}) runs past the end of the ${size}-byte file; it is truncated.`,
      );
    }
    entries.push({ name, dataOffset, size: compressedSize });
    position = next;
  }
  return entries;
}
