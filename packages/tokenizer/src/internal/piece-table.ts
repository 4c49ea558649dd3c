/** FNV-1a over the UTF-16 units of `text[start .. end)`, mixed so that the low bits are usable. */
export function hashPiece(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash ^ (hash >>> 15);
}

/** What `PieceTable.get` answers for a piece it does not hold. */
export const missingPiece = -1;

/** A table's typed arrays: plain data, in `SharedArrayBuffer`s, so worker threads use the same memory. */
export interface PieceTableData {
  /**
   * Four numbers per slot, side by side so that a probe touches one cache line: the piece's hash, its
   * length (0 = empty slot), where its units start in `units`, its value.
   */
  slots: Int32Array;
  /** The pieces' UTF-16 units, one after another. */
  units: Uint16Array;
  /** [pieces held, units used]. */
  counts: Int32Array;
}

function sharedArray<T>(Type: new (buffer: SharedArrayBuffer) => T, bytesPerElement: number, length: number): T {
  return new Type(new SharedArrayBuffer(length * bytesPerElement));
}

/**
 * Piece → non-negative integer, looked up by a span of a larger string: no substring is ever made, and the
 * whole table is typed arrays (nothing for the garbage collector to trace, shareable with workers). Open
 * addressing; `set` refuses once `entries` pieces or the unit store are full (the owner clears a cache).
 */
export class PieceTable {
  readonly data: PieceTableData;
  readonly #mask: number;
  readonly #limit: number;

  /** Room for `entries` pieces of `units` UTF-16 units in all, or the arrays of a table built elsewhere. */
  constructor(size: { entries: number; units: number } | PieceTableData) {
    if ('slots' in size) {
      this.data = size;
    } else {
      let capacity = 16;
      while (capacity < size.entries * 1.34) capacity *= 2;
      this.data = {
        slots: sharedArray(Int32Array, 4, capacity * 4),
        units: sharedArray(Uint16Array, 2, size.units),
        counts: sharedArray(Int32Array, 4, 2),
      };
    }
    this.#mask = this.data.slots.length / 4 - 1;
    this.#limit = Math.floor(this.data.slots.length / 4 / 1.34);
  }

  get size(): number {
    return this.data.counts[0] as number;
  }

  /** The value of `text[start .. end)` (whose `hashPiece` is `hash`), or `missingPiece`. */
  get(text: string, start: number, end: number, hash: number): number {
    const slots = this.data.slots;
    const length = end - start;
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const at = slot * 4;
      const slotLength = slots[at + 1] as number;
      if (slotLength === 0) return missingPiece;
      if (slots[at] === hash && slotLength === length && this.#holds(slot, text, start, end)) return slots[at + 3] as number;
    }
  }

  /** Whether `slot` holds `text[start .. end)` (its hash already matched). */
  #holds(slot: number, text: string, start: number, end: number): boolean {
    const { slots, units } = this.data;
    if (slots[slot * 4 + 1] !== end - start) return false;
    let unit = slots[slot * 4 + 2] as number;
    for (let index = start; index < end; index++, unit++) if (units[unit] !== text.charCodeAt(index)) return false;
    return true;
  }

  /** Adds a piece (a piece already there keeps its value); false (and nothing added) when the table is full. */
  set(text: string, start: number, end: number, hash: number, value: number): boolean {
    const { slots, units, counts } = this.data;
    const used = counts[1] as number;
    if ((counts[0] as number) >= this.#limit || used + end - start > units.length) return false;
    let slot = hash & this.#mask;
    for (; slots[slot * 4 + 1] !== 0; slot = (slot + 1) & this.#mask) if (slots[slot * 4] === hash && this.#holds(slot, text, start, end)) return true;
    for (let index = start; index < end; index++) units[used + index - start] = text.charCodeAt(index);
    slots[slot * 4] = hash;
    slots[slot * 4 + 1] = end - start;
    slots[slot * 4 + 2] = used;
    slots[slot * 4 + 3] = value;
    counts[0] = (counts[0] as number) + 1;
    counts[1] = used + end - start;
    return true;
  }

  clear(): void {
    this.data.slots.fill(0);
    this.data.counts.fill(0);
  }
}
