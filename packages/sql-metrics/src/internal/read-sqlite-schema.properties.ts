// Properties of readSqliteSchema on damaged files, run in a worker with a wall-clock limit (see
// read-sqlite-schema.test.ts): pages shared in a b-tree once made the walk exponential.
import { readFileSync } from 'node:fs';
import { spiderDirectory } from '@aquila/test-kit';
import fc from 'fast-check';
import { readSqliteSchema } from './read-sqlite-schema.js';

const original = new Uint8Array(readFileSync(`${spiderDirectory}database/concert_singer/concert_singer.sqlite`));

// Pages 1 to 6 made interior pages whose 1,000 children (and right-most child) are all the next page, page 7 an
// empty leaf: a walk that does not remember the pages it read visits the leaf 1000^6 times.
export function bTreesThatShareAPage(): void {
  const bytes = original.slice();
  const view = new DataView(bytes.buffer);
  const pageSize = 4096;
  for (let page = 1; page <= 6; page += 1) {
    const start = (page - 1) * pageSize;
    const header = page === 1 ? 100 : start;
    bytes[header] = 0x05;
    view.setUint16(header + 3, 1000);
    view.setUint32(header + 8, page + 1);
    view.setUint32(start + 3000, page + 1);
    bytes[start + 3004] = 1;
    for (let index = 0; index < 1000; index += 1) view.setUint16(header + 12 + index * 2, 3000);
  }
  bytes[6 * pageSize] = 0x0d;
  view.setUint16(6 * pageSize + 3, 0);
  if (readSqliteSchema(bytes) !== undefined) throw new Error('a b-tree that shares pages was read');
  for (const pageSize of [0, 3, 256, 1000]) {
    const damaged = original.slice();
    new DataView(damaged.buffer).setUint16(16, pageSize);
    if (readSqliteSchema(damaged) !== undefined) throw new Error(`page size ${pageSize} was read`);
  }
}

export function damagedFilesGiveASchemaOrNothing(): void {
  const damage = fc.array(fc.tuple(fc.nat({ max: 8191 }), fc.integer({ min: 0, max: 255 })), {
    minLength: 1,
    maxLength: 8,
  });
  fc.assert(
    fc.property(damage, (changes) => {
      const bytes = original.slice();
      for (const [offset, value] of changes) bytes[offset] = value;
      const tables = readSqliteSchema(bytes);
      if (
        tables !== undefined &&
        !tables.every(
          ([name, columns]) => typeof name === 'string' && columns.every((column) => typeof column === 'string'),
        )
      )
        throw new Error('not names');
    }),
    { numRuns: 5000 },
  );
}
