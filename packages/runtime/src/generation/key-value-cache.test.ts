import { describe, expect, it } from 'vitest';
import { KeyValueCache } from './key-value-cache.js';

const heads = 2;
const headSize = 4;
const width = heads * headSize;

/** A graph output row `[keys ‖ values]` whose every number says where it belongs. */
function newRow(slot: number, position: number): Float32Array {
  return Float32Array.from({ length: 2 * width }, (_, index) => slot * 10000 + position * 100 + index);
}

/** What the cache must hold for (layer 0, slot, position), read through its public layout. */
function readRow(cache: KeyValueCache, slot: number, position: number): number[] {
  const keys = cache.view(0, 'key', slot, 1);
  const values = cache.view(0, 'value', slot, 1);
  const row: number[] = [];
  for (let line = 0; line < width; line++) row.push(keys[line * cache.capacity + position] as number);
  for (let head = 0; head < heads; head++)
    row.push(
      ...values.subarray(
        (head * cache.capacity + position) * headSize,
        (head * cache.capacity + position + 1) * headSize,
      ),
    );
  return row;
}

function writeSequence(cache: KeyValueCache, slot: number, length: number): void {
  for (let position = 0; position < length; position++) {
    cache.reserve(slot + 1, position + 1);
    cache.writeNewRows(0, slot, position, newRow(slot, position), 0, 1);
  }
}

describe('KeyValueCache', () => {
  it('keeps every row through growth in steps of 64, keys transposed and values by row', () => {
    const cache = new KeyValueCache(1, heads, headSize, 200);
    writeSequence(cache, 0, 150);
    writeSequence(cache, 1, 70);
    expect(cache.capacity).toBe(192);
    expect(cache.slots).toBe(2);
    for (const [slot, length] of [
      [0, 150],
      [1, 70],
    ] as const) {
      for (let position = 0; position < length; position++)
        expect(readRow(cache, slot, position)).toEqual(Array.from(newRow(slot, position)));
    }
  });

  it('caps the capacity at the context', () => {
    const cache = new KeyValueCache(1, heads, headSize, 100);
    cache.reserve(1, 90);
    expect(cache.capacity).toBe(100);
  });

  it('copies a staged sequence into a cache of another capacity, and moves slots', () => {
    const staging = new KeyValueCache(1, heads, headSize, 300);
    writeSequence(staging, 0, 130);
    const cache = new KeyValueCache(1, heads, headSize, 300);
    writeSequence(cache, 0, 10);
    cache.copySequence(staging, 0, 1, 130);
    expect(cache.capacity).toBe(192);
    for (let position = 0; position < 130; position++)
      expect(readRow(cache, 1, position)).toEqual(Array.from(newRow(0, position)));
    for (let position = 0; position < 10; position++)
      expect(readRow(cache, 0, position)).toEqual(Array.from(newRow(0, position)));
    cache.move(1, 0);
    for (let position = 0; position < 130; position++)
      expect(readRow(cache, 0, position)).toEqual(Array.from(newRow(0, position)));
  });
});

describe('KeyValueCache in float16', () => {
  it('keeps float16 bits through growth and hands them out as Uint16Array views', () => {
    const cache = new KeyValueCache(1, heads, headSize, 200, 'fp16');
    for (let position = 0; position < 70; position++) {
      cache.reserve(1, position + 1);
      cache.writeNewRows(
        0,
        0,
        position,
        Uint16Array.from(newRow(0, position), (value) => value % 65536),
        0,
        1,
      );
    }
    expect(cache.capacity).toBe(128);
    expect(cache.view(0, 'key', 0, 1)).toBeInstanceOf(Uint16Array);
    for (let position = 0; position < 70; position++)
      expect(readRow(cache, 0, position)).toEqual(Array.from(newRow(0, position), (value) => value % 65536));
  });
});
