import type { BpeDefinition } from './bpe-definition.js';

const noRank = 0x7fffffff;
const positionScale = 4294967296; // heap keys are rank * 2^32 + position: lowest rank first, then leftmost
/** Pieces up to this many symbols merge by scanning; longer ones use a heap over a linked list (O(n log n)). */
const scanLimit = 64;
/** `#characterEntries` values: 0 = not yet computed, id + 1 = one token, `unsafeCharacter`, or ≤ -2 = a list. */
const unsafeCharacter = -1;

/** The first slot to probe for a pair of ids in the merge hash. */
function slotOf(left: number, right: number, mask: number): number {
  return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) & mask;
}

/** A bit per 2^20 buckets of pairs: most pairs have no merge, and this 128 kB answers that from cache. */
function filterBitOf(left: number, right: number): number {
  return (Math.imul(left ^ 0x5bd1e995, 0xcc9e2d51) + Math.imul(right, 0x1b873593)) >>> 12;
}

/** UTF-8 length of a character from its first byte; 0 for a continuation byte. */
function sequenceLength(byte: number): number {
  return byte < 0x80 ? 1 : byte < 0xc0 ? 0 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4;
}

/** Whether `bytes[start .. end)` lies inside the UTF-8 of one character (a proper part of it, or all of it). */
function withinOneCharacter(bytes: Uint8Array, start: number, end: number): boolean {
  const first = sequenceLength(bytes[start] as number);
  if (first === 0 ? end - start > 3 : end - start > first) return false;
  for (let index = start + 1; index < end; index++) if (sequenceLength(bytes[index] as number) !== 0) return false;
  return true;
}

/** Whether `bytes[start .. end)` is a run of whole UTF-8 characters (as long as their lead bytes say). */
function wholeCharacters(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; ) {
    const length = sequenceLength(bytes[index] as number);
    if (length === 0 || index + length > end) return false;
    for (let part = 1; part < length; part++) if (sequenceLength(bytes[index + part] as number) !== 0) return false;
    index += length;
  }
  return true;
}

/**
 * Ranks below which each token is safe to treat as settled, for starting BPE from whole characters (see
 * `encodeText`), or undefined where the vocabulary does not allow it. The start is exact when
 * (1) every merge's parts are made only by merges of lower rank: BPE then applies ranks in increasing
 * order, so a token made from a character's bytes cannot take part in anything before that character is
 * complete; and (2) a part of a character joins bytes of another character ("crossing" merges, 84 of
 * Aquila's 99,743, such as " " + 0xD0) only at ranks after that part is used up inside its own character.
 * Returns, per token, the lowest rank of a crossing merge it takes part in.
 */
function crossingRanks(definition: BpeDefinition): Int32Array | undefined {
  const { mergeLeft, mergeRight, mergeResult, tokenBytes, tokenOffsets } = definition;
  const lastMade = new Int32Array(definition.modelVocabSize).fill(-1);
  for (let rank = 0; rank < mergeResult.length; rank++) lastMade[mergeResult[rank] as number] = rank;
  const lowest = new Int32Array(definition.modelVocabSize).fill(noRank);
  for (let rank = 0; rank < mergeResult.length; rank++) {
    const left = mergeLeft[rank] as number;
    const right = mergeRight[rank] as number;
    if ((lastMade[left] as number) >= rank || (lastMade[right] as number) >= rank) return undefined;
    const result = mergeResult[rank] as number;
    const start = tokenOffsets[result] as number;
    const end = tokenOffsets[result + 1] as number;
    if (start === end || withinOneCharacter(tokenBytes, start, end) || wholeCharacters(tokenBytes, start, end))
      continue;
    if ((lowest[left] as number) > rank) lowest[left] = rank;
    if ((lowest[right] as number) > rank) lowest[right] = rank;
  }
  return lowest;
}

/**
 * What a `BytePairEncoder` derives from a definition, in `SharedArrayBuffer`s: built once per tokenizer and
 * shared with the `encodeBatch` workers instead of being rebuilt in each.
 */
export interface MergeTables {
  /** Open addressing, one slot = [left, right, rank, result] side by side (one cache line per probe); left -1 = empty. */
  hash: Int32Array;
  /** Pairs that may have a merge (a Bloom filter over `filterBitOf`), checked before the 2 MB hash. */
  filter: Int32Array;
  /** Where in `hash` each byte pair's slot is (-1: no merge), indexed by `first << 8 | second`: the first round of a piece without hashing. */
  bytePairSlots: Int32Array;
  /** See `crossingRanks`; undefined: pieces always start from bytes. */
  crossingRanks: Int32Array | undefined;
}

function sharedInt32Array(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * 4));
}

/** Builds the merge-rank hash, its filter, the byte-pair ranks and the crossing ranks of `definition`. */
export function buildMergeTables(definition: BpeDefinition): MergeTables {
  const { mergeLeft, mergeRight, mergeResult, byteIds } = definition;
  // Three quarters full at most: the filter keeps most pairs without a merge from probing at all.
  let capacity = 1024;
  while (capacity < mergeLeft.length * 1.34) capacity *= 2;
  const mask = capacity - 1;
  const hash = sharedInt32Array(capacity * 4).fill(-1);
  const filter = sharedInt32Array(1 << 15);
  const bytePairSlots = sharedInt32Array(65536).fill(-1);
  const byteOf = new Int32Array(definition.modelVocabSize).fill(-1);
  for (let byte = 0; byte < 256; byte++) byteOf[byteIds[byte] as number] = byte;
  // From the last rank down, so a pair listed twice keeps its first (lowest) rank, as HF does.
  for (let rank = mergeLeft.length - 1; rank >= 0; rank--) {
    const left = mergeLeft[rank] as number;
    const right = mergeRight[rank] as number;
    let slot = slotOf(left, right, mask);
    while (hash[slot * 4] !== -1 && !(hash[slot * 4] === left && hash[slot * 4 + 1] === right))
      slot = (slot + 1) & mask;
    hash[slot * 4] = left;
    hash[slot * 4 + 1] = right;
    hash[slot * 4 + 2] = rank;
    hash[slot * 4 + 3] = mergeResult[rank] as number;
    const bit = filterBitOf(left, right);
    filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
    if ((byteOf[left] as number) >= 0 && (byteOf[right] as number) >= 0)
      bytePairSlots[((byteOf[left] as number) << 8) | (byteOf[right] as number)] = slot * 4;
  }
  return { hash, filter, bytePairSlots, crossingRanks: crossingRanks(definition) };
}

/**
 * BPE with Hugging Face's semantics (lowest merge rank first, leftmost on ties), from a piece's bytes or,
 * where exact, from its characters. Ranks are found by pairs of ids, never by strings.
 */
export class BytePairEncoder {
  readonly #byteIds: Uint32Array;
  readonly #mergeLeft: Uint32Array;
  readonly #mergeRight: Uint32Array;
  readonly #mergeResult: Uint32Array;
  readonly #hash: Int32Array;
  readonly #hashMask: number;
  readonly #filter: Int32Array;
  readonly #bytePairSlots: Int32Array;
  readonly #crossingRanks: Int32Array | undefined;
  /** The tokens each BMP character starts as (see the value encoding at `unsafeCharacter`), filled as met. */
  readonly #characterEntries = new Int32Array(0x10000);
  readonly #astralEntries = new Map<number, number>();
  /** Multi-token characters: `[count, ...ids]` at the index that an entry ≤ -2 names (-2 - index). */
  readonly #characterLists: number[] = [];
  #ids = new Int32Array(scanLimit);
  #ranks = new Int32Array(scanLimit);
  /** What each pair in `#ranks` merges into. */
  #results = new Int32Array(scanLimit);
  #next = new Int32Array(0);
  #previous = new Int32Array(0);
  #heap = new Float64Array(16);
  #heapSize = 0;

  /** `tables` as `buildMergeTables(definition)` made them, here or in the thread that starts a worker. */
  constructor(definition: BpeDefinition, tables: MergeTables = buildMergeTables(definition)) {
    this.#byteIds = definition.byteIds;
    this.#mergeLeft = definition.mergeLeft;
    this.#mergeRight = definition.mergeRight;
    this.#mergeResult = definition.mergeResult;
    this.#hash = tables.hash;
    this.#hashMask = tables.hash.length / 4 - 1;
    this.#filter = tables.filter;
    this.#bytePairSlots = tables.bytePairSlots;
    this.#crossingRanks = tables.crossingRanks;
  }

  /** Where the slot of merging `left` and `right` starts in `#hash`, or -1. */
  #slot(left: number, right: number): number {
    const bit = filterBitOf(left, right);
    if (((this.#filter[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return -1;
    const hash = this.#hash;
    const mask = this.#hashMask;
    for (let slot = slotOf(left, right, mask); ; slot = (slot + 1) & mask) {
      const at = slot * 4;
      const stored = hash[at] as number;
      if (stored === left && hash[at + 1] === right) return at;
      if (stored === -1) return -1;
    }
  }

  /** The rank of merging `left` and `right`, or `noRank`. */
  rank(left: number, right: number): number {
    const at = this.#slot(left, right);
    return at < 0 ? noRank : (this.#hash[at + 2] as number);
  }

  /** Sets `#ranks[index]` and `#results[index]` from the slot at `at` (-1: no merge). */
  #setPair(index: number, at: number): void {
    this.#ranks[index] = at < 0 ? noRank : (this.#hash[at + 2] as number);
    this.#results[index] = at < 0 ? -1 : (this.#hash[at + 3] as number);
  }

  /** Appends the ids of `bytes[0 .. length)` to `out`. */
  encode(bytes: Uint8Array, length: number, out: number[]): void {
    if (length === 1) {
      out.push(this.#byteIds[bytes[0] as number] as number);
      return;
    }
    if (this.#ids.length < length) this.#growSymbols(length);
    const ids = this.#ids;
    const byteIds = this.#byteIds;
    for (let index = 0; index < length; index++) ids[index] = byteIds[bytes[index] as number] as number;
    if (length > scanLimit) {
      this.#mergeByHeap(length, out);
      return;
    }
    const bytePairSlots = this.#bytePairSlots;
    for (let index = 0; index < length - 1; index++)
      this.#setPair(index, bytePairSlots[((bytes[index] as number) << 8) | (bytes[index + 1] as number)] as number);
    this.#mergeByScan(length, out);
  }

  /**
   * Appends the ids of `text[start .. end)` (UTF-16; a lone surrogate counts as U+FFFD) to `out`, starting
   * BPE from each character's own tokens rather than from bytes: about three times fewer symbols for
   * Chinese. Returns false, having appended nothing, where a character of the piece does not allow it
   * (see `crossingRanks`); the caller then encodes the bytes.
   */
  encodeText(text: string, start: number, end: number, out: number[]): boolean {
    if (this.#crossingRanks === undefined) return false;
    if (this.#ids.length < end - start) this.#growSymbols(end - start);
    let ids = this.#ids;
    let count = 0;
    for (let index = start; index < end; index++) {
      let code = text.charCodeAt(index);
      if (code >= 0xd800 && code <= 0xdfff) {
        const low = index + 1 < end ? text.charCodeAt(index + 1) : 0;
        if (code <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          code = ((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          index++;
        } else {
          code = 0xfffd;
        }
      }
      let entry = code < 0x10000 ? (this.#characterEntries[code] as number) : (this.#astralEntries.get(code) ?? 0);
      if (entry === 0) entry = this.#characterEntry(code);
      if (entry > 0) {
        ids[count++] = entry - 1;
      } else if (entry === unsafeCharacter) {
        return false;
      } else {
        const list = this.#characterLists;
        const at = -2 - entry;
        const size = list[at] as number;
        if (count + size > ids.length) {
          this.#growSymbols(count + size + (end - index));
          ids = this.#ids;
        }
        for (let part = 1; part <= size; part++) ids[count++] = list[at + part] as number;
      }
    }
    this.#mergeIds(count, out);
    return true;
  }

  /** Appends the BPE of the ids `symbols[0 .. count)` (SentencePiece-style models start from characters' ids). */
  encodeSymbols(symbols: ArrayLike<number>, count: number, out: number[]): void {
    if (count === 0) return;
    if (this.#ids.length < count) this.#growSymbols(count);
    for (let index = 0; index < count; index++) this.#ids[index] = symbols[index] as number;
    this.#mergeIds(count, out);
  }

  /** BPE of the ids in `#ids[0 .. count)`, appended to `out`. */
  #mergeIds(count: number, out: number[]): void {
    const ids = this.#ids;
    if (count === 1) out.push(ids[0] as number);
    else if (count > scanLimit) this.#mergeByHeap(count, out);
    else {
      for (let index = 0; index < count - 1; index++)
        this.#setPair(index, this.#slot(ids[index] as number, ids[index + 1] as number));
      this.#mergeByScan(count, out);
    }
  }

  /**
   * BPE of one character's bytes, remembered: its tokens, or `unsafeCharacter` where a part of it takes
   * part in a crossing merge before it is used up inside the character.
   */
  #characterEntry(code: number): number {
    const crossing = this.#crossingRanks as Int32Array;
    const bytes = new TextEncoder().encode(String.fromCodePoint(code));
    const symbols = Array.from(bytes, (byte) => this.#byteIds[byte] as number);
    let safe = true;
    for (;;) {
      let best = noRank;
      let at = -1;
      for (let index = 0; index + 1 < symbols.length; index++) {
        const rank = this.rank(symbols[index] as number, symbols[index + 1] as number);
        if (rank < best) {
          best = rank;
          at = index;
        }
      }
      if (at < 0) break;
      // A part used up at rank `best` must not have met a crossing merge of lower rank while it existed.
      if ((crossing[symbols[at] as number] as number) < best || (crossing[symbols[at + 1] as number] as number) < best)
        safe = false;
      symbols.splice(at, 2, this.#mergeResult[best] as number);
    }
    if (symbols.length > 1) for (const symbol of symbols) if (crossing[symbol] !== noRank) safe = false;
    let entry: number;
    if (!safe) entry = unsafeCharacter;
    else if (symbols.length === 1) entry = (symbols[0] as number) + 1;
    else {
      entry = -2 - this.#characterLists.length;
      this.#characterLists.push(symbols.length, ...symbols);
    }
    if (code < 0x10000) this.#characterEntries[code] = entry;
    else this.#astralEntries.set(code, entry);
    return entry;
  }

  #growSymbols(length: number): void {
    const ids = new Int32Array(Math.max(length, this.#ids.length * 2));
    ids.set(this.#ids);
    this.#ids = ids;
  }

  /** Short pieces: the ids are in `#ids`, each adjacent pair's rank and result in `#ranks` and `#results`; merge the lowest, re-rank its neighbours. */
  #mergeByScan(length: number, out: number[]): void {
    const ids = this.#ids;
    const ranks = this.#ranks;
    const results = this.#results;
    let count = length;
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
      ids[at] = results[at] as number;
      for (let index = at + 1; index < count - 1; index++) ids[index] = ids[index + 1] as number;
      for (let index = at + 1; index < count - 2; index++) {
        ranks[index] = ranks[index + 1] as number;
        results[index] = results[index + 1] as number;
      }
      count--;
      this.#setPair(at, at + 1 < count ? this.#slot(ids[at] as number, ids[at + 1] as number) : -1);
      if (at > 0) this.#setPair(at - 1, this.#slot(ids[at - 1] as number, ids[at] as number));
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

  /** Long pieces (the ids in `#ids`): symbols in a linked list, candidate merges in a binary heap with lazy invalidation. */
  #mergeByHeap(length: number, out: number[]): void {
    if (this.#next.length < length) {
      const size = Math.max(length, this.#next.length * 2);
      this.#next = new Int32Array(size);
      this.#previous = new Int32Array(size);
      this.#heap = new Float64Array(size);
    }
    const symbols = this.#ids;
    const next = this.#next;
    const previous = this.#previous;
    for (let index = 0; index < length; index++) {
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
