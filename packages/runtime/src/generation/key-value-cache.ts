/**
 * Key/value rows of every sequence in a batch, owned by JS and fed to the graph as inputs (runtime.md:
 * onnxruntime-node copies every fetched output, so a cache that round-trips through outputs costs a
 * full copy per step). Layout per layer and kind: `[slots, keyValueHeads, capacity, headSize]`; the
 * sequences of a batched step occupy slots `0…B−1`.
 */
export class KeyValueCache {
  private slotCount = 0;
  private rowCapacity = 0;
  private buffers: Float32Array[] = [];

  constructor(
    private readonly layerCount: number,
    private readonly headCount: number,
    private readonly headSize: number,
    private readonly maximumCapacity: number,
  ) {}

  get capacity(): number {
    return this.rowCapacity;
  }

  get slots(): number {
    return this.slotCount;
  }

  private get slotSize(): number {
    return this.headCount * this.rowCapacity * this.headSize;
  }

  /** Grows to at least `slots` sequences of `rows` positions (geometric growth, capped at the context). */
  reserve(slots: number, rows: number): void {
    if (slots <= this.slotCount && rows <= this.rowCapacity) return;
    const newSlots = Math.max(slots, this.slotCount);
    const newCapacity = rows <= this.rowCapacity ? this.rowCapacity : Math.min(this.maximumCapacity, Math.max(rows, this.rowCapacity * 2, 32));
    const newSlotSize = this.headCount * newCapacity * this.headSize;
    const rowSize = this.rowCapacity * this.headSize;
    this.buffers = Array.from({ length: this.layerCount * 2 }, (_, index) => {
      const next = new Float32Array(newSlots * newSlotSize);
      const previous = this.buffers[index];
      if (previous) {
        for (let slot = 0; slot < this.slotCount; slot++) {
          for (let head = 0; head < this.headCount; head++) {
            const from = (slot * this.headCount + head) * rowSize;
            next.set(previous.subarray(from, from + rowSize), (slot * this.headCount + head) * newCapacity * this.headSize);
          }
        }
      }
      return next;
    });
    this.slotCount = newSlots;
    this.rowCapacity = newCapacity;
  }

  /** The buffer of `count` consecutive slots from `first`, as `[count, heads, capacity, headSize]`. */
  view(layer: number, kind: 'key' | 'value', first: number, count: number): Float32Array {
    const buffer = this.buffers[layer * 2 + (kind === 'key' ? 0 : 1)] as Float32Array;
    return buffer.subarray(first * this.slotSize, (first + count) * this.slotSize);
  }

  /**
   * Writes a step's new rows into `slot` at positions `position…position+rows−1`: `source` is a graph
   * output `[batch, rowsPerBatch, keys ‖ values]` (keys not yet rotated), `batchRow` the row of this
   * sequence. Keys get the rotary embedding (rotate-half, the tables GQA uses) on the way in.
   */
  writeNewRows(layer: number, slot: number, position: number, source: Float32Array, batchRow: number, rowsPerBatch: number, rotary: { cos: Float32Array; sin: Float32Array }): void {
    const keys = this.buffers[layer * 2] as Float32Array;
    const values = this.buffers[layer * 2 + 1] as Float32Array;
    const { headCount, headSize } = this;
    const width = headCount * headSize;
    const half = headSize / 2;
    for (let row = 0; row < rowsPerBatch; row++) {
      const from = (batchRow * rowsPerBatch + row) * 2 * width;
      const table = (position + row) * half;
      for (let head = 0; head < headCount; head++) {
        const to = ((slot * headCount + head) * this.rowCapacity + position + row) * headSize;
        const key = from + head * headSize;
        for (let index = 0; index < half; index++) {
          const cos = rotary.cos[table + index] as number;
          const sin = rotary.sin[table + index] as number;
          const first = source[key + index] as number;
          const second = source[key + half + index] as number;
          // The rounding of onnxruntime's rotary kernel (MLAS: fmsub/fmadd over one rounded product), so
          // the cached keys equal the ones GQA rotated for the step itself, bit for bit.
          keys[to + index] = first * cos - Math.fround(second * sin);
          keys[to + half + index] = first * sin + Math.fround(second * cos);
        }
        values.set(source.subarray(from + width + head * headSize, from + width + (head + 1) * headSize), to);
      }
    }
  }

  /** Copies the first `rows` positions of a sequence from a slot of another cache (a finished staged prefill). */
  copySequence(source: KeyValueCache, sourceSlot: number, targetSlot: number, rows: number): void {
    this.reserve(targetSlot + 1, rows);
    const length = rows * this.headSize;
    this.buffers.forEach((buffer, index) => {
      const from = source.buffers[index] as Float32Array;
      for (let head = 0; head < this.headCount; head++) {
        const start = (sourceSlot * this.headCount + head) * source.rowCapacity * this.headSize;
        buffer.set(from.subarray(start, start + length), (targetSlot * this.headCount + head) * this.rowCapacity * this.headSize);
      }
    });
  }

  /** Copies a sequence's rows from one slot to another (a sequence left and the last one fills its place). */
  move(from: number, to: number): void {
    if (from === to) return;
    const size = this.slotSize;
    for (const buffer of this.buffers) buffer.copyWithin(to * size, from * size, (from + 1) * size);
  }
}
