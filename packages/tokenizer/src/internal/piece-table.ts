/** FNV-1a over the UTF-16 units of `text[start .. end)`, mixed so that the low bits are usable. */
export function hashPiece(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash ^ (hash >>> 15);
}

/**
 * Piece → ids, looked up by a span of a larger string: no substring is made unless a piece is new. Open
 * addressing; full tables are cleared by their owner (a bounded cache), never grown past `capacity`.
 */
export class PieceTable<Value> {
  readonly #mask: number;
  readonly #hashes: Int32Array;
  readonly #keys: Array<string | undefined>;
  readonly #values: Array<Value | undefined>;
  #size = 0;

  /** Room for `entries` pieces (the table keeps a quarter of its slots free). */
  constructor(entries: number) {
    let capacity = 16;
    while (capacity < entries * 1.34) capacity *= 2;
    this.#mask = capacity - 1;
    this.#hashes = new Int32Array(capacity);
    this.#keys = new Array<string | undefined>(capacity).fill(undefined);
    this.#values = new Array<Value | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.#size;
  }

  get(text: string, start: number, end: number, hash: number): Value | undefined {
    const keys = this.#keys;
    const length = end - start;
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const key = keys[slot];
      if (key === undefined) return undefined;
      if (this.#hashes[slot] === hash && key.length === length && sameUnits(key, text, start, length)) return this.#values[slot];
    }
  }

  set(key: string, hash: number, value: Value): void {
    let slot = hash & this.#mask;
    while (this.#keys[slot] !== undefined && this.#keys[slot] !== key) slot = (slot + 1) & this.#mask;
    if (this.#keys[slot] === undefined) this.#size++;
    this.#hashes[slot] = hash;
    this.#keys[slot] = key;
    this.#values[slot] = value;
  }

  clear(): void {
    this.#keys.fill(undefined);
    this.#values.fill(undefined);
    this.#size = 0;
  }
}

function sameUnits(key: string, text: string, start: number, length: number): boolean {
  for (let index = 0; index < length; index++) if (key.charCodeAt(index) !== text.charCodeAt(start + index)) return false;
  return true;
}
