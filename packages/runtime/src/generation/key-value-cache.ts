/** How the KV cache stores keys and values: float32, or float16 (half the memory; the graph widens what it reads). */
export type CachePrecision = 'fp32' | 'fp16';

/** A cache buffer: float32 values, or float16 bits (Node 20 has no Float16Array; onnxruntime takes Uint16Array for float16). */
export type CacheBuffer = Float32Array | Uint16Array;

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
  private buffers: CacheBuffer[] = [];

  constructor(
    private readonly layerCount: number,
    private readonly headCount: number,
    private readonly headSize: number,
    private readonly maximumCapacity: number,
    /** Default fp32; fp16 needs a graph converted with `cachePrecision: 'fp16'`. */
    readonly precision: CachePrecision = 'fp32',
  ) {}

  private allocate(length: number): CacheBuffer {
    return this.precision === 'fp16' ? new Uint16Array(length) : new Float32Array(length);
  }

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
    const previous: (CacheBuffer | undefined)[] = this.buffers;
    const previousCapacity = this.rowCapacity;
    const previousSlots = this.slotCount;
    this.buffers = [];
    this.rowCapacity = newCapacity;
    // One buffer at a time, each old one let go once copied: growing holds the cache and one layer's buffer, not two caches.
    for (let index = 0; index < this.layerCount * 2; index++) {
      this.buffers.push(this.allocate(newSlots * this.headCount * newCapacity * this.headSize));
      const from = previous[index];
      if (from)
        for (let slot = 0; slot < previousSlots; slot++)
          this.copyBufferRows(index, from, previousCapacity, slot, slot, previousCapacity);
      previous[index] = undefined;
    }
    this.slotCount = newSlots;
  }

  /** Copies positions `0…rows−1` of `sourceSlot` in `source` (laid out with `sourceCapacity`) into `targetSlot` here. */
  private copyRows(
    source: readonly CacheBuffer[],
    sourceCapacity: number,
    sourceSlot: number,
    targetSlot: number,
    rows: number,
  ): void {
    for (let index = 0; index < this.buffers.length; index++)
      this.copyBufferRows(index, source[index] as CacheBuffer, sourceCapacity, sourceSlot, targetSlot, rows);
  }

  /** `copyRows` for buffer `index` (layer · 2, plus 1 for values). */
  private copyBufferRows(
    index: number,
    from: CacheBuffer,
    sourceCapacity: number,
    sourceSlot: number,
    targetSlot: number,
    rows: number,
  ): void {
    const { headCount, headSize, rowCapacity } = this;
    const target = this.buffers[index] as CacheBuffer;
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
  }

  /** The buffer of `count` consecutive slots from `first`: keys `[count, heads, headSize, capacity]`, values `[count, heads, capacity, headSize]`. */
  view(layer: number, kind: 'key' | 'value', first: number, count: number): CacheBuffer {
    const buffer = this.buffers[layer * 2 + (kind === 'key' ? 0 : 1)] as CacheBuffer;
    return buffer.subarray(first * this.slotSize, (first + count) * this.slotSize);
  }

  /**
   * Writes a step's new rows into `slot` at positions `position…position+rows−1`: `source` is a graph
   * output `[batch, rowsPerBatch, keys ‖ values]` (keys already rotated; float16 bits for an fp16 cache),
   * `batchRow` the row of this sequence.
   */
  writeNewRows(
    layer: number,
    slot: number,
    position: number,
    source: CacheBuffer,
    batchRow: number,
    rowsPerBatch: number,
  ): void {
    const keys = this.buffers[layer * 2] as CacheBuffer;
    const values = this.buffers[layer * 2 + 1] as CacheBuffer;
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
