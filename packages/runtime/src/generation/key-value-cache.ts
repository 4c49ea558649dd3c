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
   * Writes new rows `[rows, heads · headSize]` (a graph output, batch row `batchRow` of `rowsPerBatch`)
   * into `slot` at positions `position…position+rows−1`.
   */
  write(layer: number, kind: 'key' | 'value', slot: number, position: number, source: Float32Array, batchRow: number, rowsPerBatch: number): void {
    const buffer = this.buffers[layer * 2 + (kind === 'key' ? 0 : 1)] as Float32Array;
    const width = this.headCount * this.headSize;
    for (let row = 0; row < rowsPerBatch; row++) {
      const from = (batchRow * rowsPerBatch + row) * width;
      for (let head = 0; head < this.headCount; head++) {
        const to = ((slot * this.headCount + head) * this.rowCapacity + position + row) * this.headSize;
        buffer.set(source.subarray(from + head * this.headSize, from + (head + 1) * this.headSize), to);
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
