/** FNV-1a over the UTF-16 units of `text[start .. end)`, mixed so that the low bits are usable. */
export function hashPiece(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash ^ (hash >>> 15);
}

/** What `PieceTable.get` answers for a piece it does not hold. */
export const missingPiece = -1;

/**
 * Piece → non-negative integer, looked up by a span of a larger string: no substring is ever made, and the
 * whole table is typed arrays (nothing for the garbage collector to trace). Open addressing; `set`
 * refuses once `entries` pieces or the unit store are full (the owner then clears it: a bounded cache).
 */
export class PieceTable {
  /**
   * Four numbers per slot, side by side so that a probe touches one cache line: the piece's hash, its
   * length (0 = empty slot), where its units start in `#units`, its value.
   */
  readonly #slots: Int32Array;
  /** The pieces' UTF-16 units, one after another. */
  readonly #units: Uint16Array;
  readonly #mask: number;
  readonly #limit: number;
  #size = 0;
  #unitsUsed = 0;
  /** The empty slot where the last `get` that missed ended, for a `set` of that piece right after (-1: none). */
  #vacantSlot = -1;
  #vacantHash = 0;

  /** Room for `entries` pieces of `units` UTF-16 units in all. */
  constructor(entries: number, units: number) {
    let capacity = 16;
    while (capacity < entries * 1.34) capacity *= 2;
    this.#slots = new Int32Array(capacity * 4);
    this.#units = new Uint16Array(units);
    this.#mask = capacity - 1;
    this.#limit = Math.floor(capacity / 1.34);
  }

  get size(): number {
    return this.#size;
  }

  /** The value of `text[start .. end)` (whose `hashPiece` is `hash`), or `missingPiece`. */
  get(text: string, start: number, end: number, hash: number): number {
    const slots = this.#slots;
    const length = end - start;
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const at = slot * 4;
      const slotLength = slots[at + 1] as number;
      if (slotLength === 0) {
        this.#vacantSlot = slot;
        this.#vacantHash = hash;
        return missingPiece;
      }
      if (slots[at] === hash && slotLength === length && this.#holds(slots[at + 2] as number, text, start, end))
        return slots[at + 3] as number;
    }
  }

  /** Whether the units from `unit` on are `text[start .. end)`. */
  #holds(unit: number, text: string, start: number, end: number): boolean {
    const units = this.#units;
    for (let index = start; index < end; index++, unit++) if (units[unit] !== text.charCodeAt(index)) return false;
    return true;
  }

  /** Adds a piece that `get` did not find; false (and nothing added) when the table is full. */
  set(text: string, start: number, end: number, hash: number, value: number): boolean {
    const slots = this.#slots;
    const used = this.#unitsUsed;
    if (this.#size >= this.#limit || used + end - start > this.#units.length) return false;
    // Where `get` stopped is the end of this hash's run of full slots (nothing is removed but by `clear`).
    let slot = this.#vacantSlot >= 0 && this.#vacantHash === hash ? this.#vacantSlot : hash & this.#mask;
    while (slots[slot * 4 + 1] !== 0) slot = (slot + 1) & this.#mask;
    this.#vacantSlot = -1;
    for (let index = start; index < end; index++) this.#units[used + index - start] = text.charCodeAt(index);
    slots[slot * 4] = hash;
    slots[slot * 4 + 1] = end - start;
    slots[slot * 4 + 2] = used;
    slots[slot * 4 + 3] = value;
    this.#size++;
    this.#unitsUsed = used + end - start;
    return true;
  }

  clear(): void {
    this.#slots.fill(0);
    this.#size = 0;
    this.#unitsUsed = 0;
    this.#vacantSlot = -1;
  }
}
