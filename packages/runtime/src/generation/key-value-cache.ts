/**
 * Key/value rows of every sequence in a batch, owned by JS and fed to the graph as inputs (runtime.md:
 * onnxruntime-node copies every fetched output, so a cache that round-trips through outputs costs a
 * full copy per step). Per layer and slot: keys transposed, `[keyValueHeads, headSize, capacity]` (what
 * q·Kᵀ reads), values `[keyValueHeads, capacity, headSize]`; the sequences of a batched step occupy slots
 * `0…B−1`.
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

  /**
   * Grows to at least `slots` sequences of `rows` positions. Capacity grows in steps of 64 positions, capped
   * at the context: attention reads the whole capacity every step, so it stays close to the longest sequence
   * (a copy every 64 steps costs far less than reading twice the rows at each).
   */
  reserve(slots: number, rows: number): void {
    if (slots <= this.slotCount && rows <= this.rowCapacity) return;
    const newSlots = Math.max(slots, this.slotCount);
    const newCapacity =
      rows <= this.rowCapacity ? this.rowCapacity : Math.min(this.maximumCapacity, Math.ceil(rows / 64) * 64);
    const previous = this.buffers;
    const previousCapacity = this.rowCapacity;
    this.buffers = Array.from(
      { length: this.layerCount * 2 },
      () => new Float32Array(newSlots * this.headCount * newCapacity * this.headSize),
    );
    this.rowCapacity = newCapacity;
    if (previous.length > 0)
      for (let slot = 0; slot < this.slotCount; slot++)
        this.copyRows(previous, previousCapacity, slot, slot, previousCapacity);
    this.slotCount = newSlots;
  }

  /** Copies positions `0…rows−1` of `sourceSlot` in `source` (laid out with `sourceCapacity`) into `targetSlot` here. */
  private copyRows(
    source: readonly Float32Array[],
    sourceCapacity: number,
    sourceSlot: number,
    targetSlot: number,
    rows: number,
  ): void {
    const { headCount, headSize, rowCapacity } = this;
    this.buffers.forEach((target, index) => {
      const from = source[index] as Float32Array;
      if (index % 2 === 0) {
        // Keys: one line of positions per (head, dimension).
        for (let line = 0; line < headCount * headSize; line++) {
          const start = (sourceSlot * headCount * headSize + line) * sourceCapacity;
          target.set(from.subarray(start, start + rows), (targetSlot * headCount * headSize + line) * rowCapacity);
        }
      } else {
        for (let head = 0; head < headCount; head++) {
          const start = (sourceSlot * headCount + head) * sourceCapacity * headSize;
          target.set(
            from.subarray(start, start + rows * headSize),
            (targetSlot * headCount + head) * rowCapacity * headSize,
          );
        }
      }
    });
  }

  /** The buffer of `count` consecutive slots from `first`: keys `[count, heads, headSize, capacity]`, values `[count, heads, capacity, headSize]`. */
  view(layer: number, kind: 'key' | 'value', first: number, count: number): Float32Array {
    const buffer = this.buffers[layer * 2 + (kind === 'key' ? 0 : 1)] as Float32Array;
    return buffer.subarray(first * this.slotSize, (first + count) * this.slotSize);
  }

  /**
   * Writes a step's new rows into `slot` at positions `position…position+rows−1`: `source` is a graph
   * output `[batch, rowsPerBatch, keys ‖ values]` (keys already rotated), `batchRow` the row of this sequence.
   */
  writeNewRows(
    layer: number,
    slot: number,
    position: number,
    source: Float32Array,
    batchRow: number,
    rowsPerBatch: number,
  ): void {
    const keys = this.buffers[layer * 2] as Float32Array;
    const values = this.buffers[layer * 2 + 1] as Float32Array;
    const { headCount, headSize, rowCapacity } = this;
    const width = headCount * headSize;
    for (let row = 0; row < rowsPerBatch; row++) {
      const from = (batchRow * rowsPerBatch + row) * 2 * width;
      for (let line = 0; line < width; line++)
        keys[(slot * width + line) * rowCapacity + position + row] = source[from + line] as number;
      for (let head = 0; head < headCount; head++) {
        values.set(
          source.subarray(from + width + head * headSize, from + width + (head + 1) * headSize),
          ((slot * headCount + head) * rowCapacity + position + row) * headSize,
        );
      }
    }
  }

  /** Copies the first `rows` positions of a sequence from a slot of another cache (a finished staged prefill). */
  copySequence(source: KeyValueCache, sourceSlot: number, targetSlot: number, rows: number): void {
    this.reserve(targetSlot + 1, rows);
    this.copyRows(source.buffers, source.rowCapacity, sourceSlot, targetSlot, rows);
  }

  /** Copies a sequence's rows from one slot to another (a sequence left and the last one fills its place). */
  move(from: number, to: number): void {
    if (from === to) return;
    const size = this.slotSize;
    for (const buffer of this.buffers) buffer.copyWithin(to * size, from * size, (from + 1) * size);
  }
}
