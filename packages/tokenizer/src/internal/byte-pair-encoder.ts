import type { BpeDefinition } from './bpe-definition.js';

const noRank = 0x7fffffff;
const positionScale = 4294967296; // heap keys are rank * 2^32 + position: lowest rank first, then leftmost
/** Pieces up to this many bytes merge by scanning; longer ones use a heap over a linked list (O(n log n)). */
const scanLimit = 64;

/**
 * BPE over raw bytes with Hugging Face's semantics (lowest merge rank first, leftmost on ties). Ranks are
 * found in an open-addressing hash keyed by the pair of ids, not by strings.
 */
function slotOf(left: number, right: number, mask: number): number {
  return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) & mask;
}

export class BytePairEncoder {
  readonly #byteIds: Uint32Array;
  readonly #mergeLeft: Uint32Array;
  readonly #mergeRight: Uint32Array;
  readonly #mergeResult: Uint32Array;
  /** Open addressing, one slot = [left, right, rank] side by side (one cache line per probe); left -1 = empty. */
  readonly #hash: Int32Array;
  readonly #hashMask: number;
  /** Ranks of byte pairs, indexed by `first << 8 | second`: the first round of every piece without hashing. */
  readonly #bytePairRanks = new Int32Array(65536);
  #ids = new Int32Array(scanLimit);
  #ranks = new Int32Array(scanLimit);
  #next = new Int32Array(0);
  #previous = new Int32Array(0);
  #heap = new Float64Array(16);
  #heapSize = 0;

  constructor(definition: BpeDefinition) {
    this.#byteIds = definition.byteIds;
    this.#mergeLeft = definition.mergeLeft;
    this.#mergeRight = definition.mergeRight;
    this.#mergeResult = definition.mergeResult;
    let capacity = 1024;
    while (capacity < definition.mergeLeft.length * 2) capacity *= 2;
    this.#hashMask = capacity - 1;
    this.#hash = new Int32Array(capacity * 3).fill(-1);
    for (let rank = definition.mergeLeft.length - 1; rank >= 0; rank--) {
      // From the last rank down, so a pair listed twice keeps its first (lowest) rank, as HF does.
      this.#insert(definition.mergeLeft[rank] ?? 0, definition.mergeRight[rank] ?? 0, rank);
    }
    for (let pair = 0; pair < 65536; pair++) this.#bytePairRanks[pair] = this.rank(this.#byteIds[pair >> 8] as number, this.#byteIds[pair & 255] as number);
  }

  #insert(left: number, right: number, rank: number): void {
    const hash = this.#hash;
    let slot = slotOf(left, right, this.#hashMask);
    while (hash[slot * 3] !== -1 && !(hash[slot * 3] === left && hash[slot * 3 + 1] === right)) slot = (slot + 1) & this.#hashMask;
    hash[slot * 3] = left;
    hash[slot * 3 + 1] = right;
    hash[slot * 3 + 2] = rank;
  }

  /** The rank of merging `left` and `right`, or `noRank`. */
  rank(left: number, right: number): number {
    const hash = this.#hash;
    const mask = this.#hashMask;
    for (let slot = slotOf(left, right, mask); ; slot = (slot + 1) & mask) {
      const at = slot * 3;
      const stored = hash[at] as number;
      if (stored === left && hash[at + 1] === right) return hash[at + 2] as number;
      if (stored === -1) return noRank;
    }
  }

  /** Appends the ids of `bytes[0 .. length)` to `out`. */
  encode(bytes: Uint8Array, length: number, out: number[]): void {
    if (length === 1) out.push(this.#byteIds[bytes[0] as number] as number);
    else if (length <= scanLimit) this.#encodeByScan(bytes, length, out);
    else this.#encodeByHeap(bytes, length, out);
  }

  /** Short pieces: keep the ids and the rank of each adjacent pair in arrays, merge the lowest, re-rank its neighbours. */
  #encodeByScan(bytes: Uint8Array, length: number, out: number[]): void {
    const ids = this.#ids;
    const ranks = this.#ranks;
    const byteIds = this.#byteIds;
    const bytePairRanks = this.#bytePairRanks;
    let count = length;
    for (let index = 0; index < count; index++) ids[index] = byteIds[bytes[index] as number] as number;
    for (let index = 0; index < count - 1; index++) ranks[index] = bytePairRanks[((bytes[index] as number) << 8) | (bytes[index + 1] as number)] as number;
    for (;;) {
      let best = noRank;
      let at = -1;
      for (let index = 0; index < count - 1; index++) {
        const rank = ranks[index] as number;
        if (rank < best) {
          best = rank;
          at = index;
        }
      }
      if (at < 0) break;
      ids[at] = this.#mergeResult[best] as number;
      for (let index = at + 1; index < count - 1; index++) ids[index] = ids[index + 1] as number;
      for (let index = at + 1; index < count - 2; index++) ranks[index] = ranks[index + 1] as number;
      count--;
      ranks[at] = at + 1 < count ? this.rank(ids[at] as number, ids[at + 1] as number) : noRank;
      if (at > 0) ranks[at - 1] = this.rank(ids[at - 1] as number, ids[at] as number);
    }
    for (let index = 0; index < count; index++) out.push(ids[index] as number);
  }

  /** Adds a key to the binary min-heap of candidate merges, growing it when full. */
  #push(key: number): void {
    let heap = this.#heap;
    if (this.#heapSize === heap.length) {
      heap = new Float64Array(heap.length * 2);
      heap.set(this.#heap);
      this.#heap = heap;
    }
    let index = this.#heapSize++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentKey = heap[parent] as number;
      if (parentKey <= key) break;
      heap[index] = parentKey;
      index = parent;
    }
    heap[index] = key;
  }

  /** Long pieces: symbols in a linked list, candidate merges in a binary heap with lazy invalidation. */
  #encodeByHeap(bytes: Uint8Array, length: number, out: number[]): void {
    if (this.#next.length < length) {
      const size = Math.max(length, this.#next.length * 2);
      this.#next = new Int32Array(size);
      this.#previous = new Int32Array(size);
      this.#heap = new Float64Array(size);
    }
    if (this.#ids.length < length) this.#ids = new Int32Array(Math.max(length, this.#ids.length * 2));
    const symbols = this.#ids;
    const next = this.#next;
    const previous = this.#previous;
    const byteIds = this.#byteIds;
    for (let index = 0; index < length; index++) {
      symbols[index] = byteIds[bytes[index] as number] as number;
      next[index] = index + 1 < length ? index + 1 : -1;
      previous[index] = index - 1;
    }
    this.#heapSize = 0;
    for (let index = 0; index < length - 1; index++) {
      const rank = this.rank(symbols[index] as number, symbols[index + 1] as number);
      if (rank !== noRank) this.#push(rank * positionScale + index);
    }
    const mergeLeft = this.#mergeLeft;
    const mergeRight = this.#mergeRight;
    while (this.#heapSize > 0) {
      const heap = this.#heap;
      const size = --this.#heapSize;
      const top = heap[0] as number;
      const last = heap[size] as number;
      let index = 0;
      for (;;) {
        let child = 2 * index + 1;
        if (child >= size) break;
        if (child + 1 < size && (heap[child + 1] as number) < (heap[child] as number)) child++;
        if ((heap[child] as number) >= last) break;
        heap[index] = heap[child] as number;
        index = child;
      }
      heap[index] = last;
      const rank = Math.floor(top / positionScale);
      const position = top - rank * positionScale;
      const right = next[position] as number;
      // Stale entries (a side already merged into something else) no longer match their pair.
      if (right < 0 || symbols[position] !== mergeLeft[rank] || symbols[right] !== mergeRight[rank]) continue;
      const merged = this.#mergeResult[rank] as number;
      symbols[position] = merged;
      symbols[right] = -1;
      const after = next[right] as number;
      next[position] = after;
      if (after >= 0) {
        previous[after] = position;
        const afterRank = this.rank(merged, symbols[after] as number);
        if (afterRank !== noRank) this.#push(afterRank * positionScale + position);
      }
      const before = previous[position] as number;
      if (before >= 0) {
        const beforeRank = this.rank(symbols[before] as number, merged);
        if (beforeRank !== noRank) this.#push(beforeRank * positionScale + before);
      }
    }
    for (let index = 0; index >= 0; index = next[index] as number) out.push(symbols[index] as number);
  }
}
