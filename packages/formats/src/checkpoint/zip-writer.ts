import { openAtomicWriteStream } from '@aquila/files';

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let index = 0; index < 256; index++) {
      let value = index;
      for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
      crcTable[index] = value >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One zip record: its name and its bytes, stored uncompressed. */
export interface ZipRecord {
  name: string;
  data: Uint8Array;
}

export interface WriteStoredZipOptions {
  path: string;
  records: readonly ZipRecord[];
}

/** Writes a zip of stored (uncompressed) records, each one's data 64-byte aligned, as `torch.save` does; complete or not at all. */
export async function writeStoredZip(options: WriteStoredZipOptions): Promise<void> {
  const { records } = options;
  const file = await openAtomicWriteStream({ path: options.path });
  try {
    let offset = 0;
    const directory: Uint8Array[] = [];
    for (const record of records) {
      const name = new TextEncoder().encode(record.name);
      const padding = (64 - ((offset + 30 + name.length + 4) % 64)) % 64;
      const local = Buffer.alloc(30 + name.length + 4 + padding);
      const crc = crc32(record.data);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(record.data.length, 18);
      local.writeUInt32LE(record.data.length, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(4 + padding, 28);
      local.set(name, 30);
      local.writeUInt16LE(0xcafe, 30 + name.length); // torch pads with a private extra field to align the data
      local.writeUInt16LE(padding, 32 + name.length);
      const central = Buffer.alloc(46 + name.length);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(20, 4);
      central.writeUInt16LE(20, 6);
      central.writeUInt32LE(crc, 16);
      central.writeUInt32LE(record.data.length, 20);
      central.writeUInt32LE(record.data.length, 24);
      central.writeUInt16LE(name.length, 28);
      central.writeUInt32LE(offset, 42);
      central.set(name, 46);
      directory.push(central);
      await file.write(local);
      await file.write(record.data);
      offset += local.length + record.data.length;
    }
    const directoryBytes = Buffer.concat(directory);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(records.length, 8);
    end.writeUInt16LE(records.length, 10);
    end.writeUInt32LE(directoryBytes.length, 12);
    end.writeUInt32LE(offset, 16);
    await file.write(directoryBytes);
    await file.write(end);
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}
