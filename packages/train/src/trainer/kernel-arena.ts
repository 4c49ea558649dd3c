import { Worker } from 'node:worker_threads';
import { gemmWasm } from './gemm-wasm.js';

// The ES2023 lib this package builds against has no WebAssembly types: the little used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => { buffer: SharedArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

// The helper thread (CommonJS, run from this string so src and the bundled dist need no extra file): the
// same module on the same shared memory; it claims a job (state 1 → 3), runs it, and flags it done.
// Control slots: 0 state (0 idle, 1 posted, 2 stop, 3 running), 1–10 the gemm arguments, 11 done.
const helperSource = `
const { workerData } = require('node:worker_threads');
const state = new Int32Array(workerData.control);
const gemm = new WebAssembly.Instance(workerData.module, { kernels: { memory: workerData.memory } }).exports.gemm;
for (;;) {
  Atomics.wait(state, 0, 0);
  const claimed = Atomics.compareExchange(state, 0, 1, 3);
  if (claimed === 2) break;
  if (claimed !== 1) continue;
  gemm(state[1], state[2], state[3], state[4], state[5], state[6], state[7], state[8], state[9], state[10]);
  Atomics.store(state, 0, 0);
  Atomics.store(state, 11, 1);
  Atomics.notify(state, 11);
}`;

interface Helper {
  worker: Worker;
  control: Int32Array;
}

// An arena's helper thread stops when the arena is collected.
const helpers = new FinalizationRegistry<Helper>(({ control, worker }) => {
  Atomics.store(control, 0, 2);
  Atomics.notify(control, 0);
  void worker.terminate();
});

// Below this many multiply-adds a multiply runs on one thread: waking the helper costs more.
const parallelWork = 1 << 20;

let compiled: object | undefined;

type Gemm = (
  a: number,
  aRow: number,
  aColumn: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  accumulate: number,
  panel: number,
) => void;
type AdamWKernel = (
  values: number,
  gradient: number,
  first: number,
  second: number,
  length: number,
  decay: number,
  gradientScale: number,
  beta1: number,
  beta2: number,
  stepSize: number,
  rmsScale: number,
  eps: number,
) => void;

/** The arena each wasm memory belongs to, so code handed a Float32Array can find its kernels. */
const owners = new WeakMap<ArrayBufferLike, KernelArena>();

const pageBytes = 65536;
// wasm32 addresses 4 GiB at most.
const maximumPages = 65536;

/**
 * One WebAssembly memory holding a model's weights, gradients and activations as Float32Array views, and
 * the SIMD matrix multiply (gemm.wat) that works on them in place: no copies between JS and wasm.
 * Its size is fixed when created, because growing a wasm memory detaches every view on it.
 */
export class KernelArena {
  readonly #memory: { buffer: SharedArrayBuffer };
  readonly #gemm: Gemm;
  readonly #adamw: AdamWKernel;
  #helper: Helper | undefined;
  #used = 0;

  /**
   * An arena with room for `floats` 32-bit floats (each allocation rounded up to 16 bytes). With
   * `threads: 2` a helper thread takes half the rows of every large multiply: faster on idle cores, slower
   * on a busy machine, where each multiply waits for whichever thread the scheduler left out (default 1).
   */
  constructor(options: { floats: number; threads?: 1 | 2 }) {
    const pages = Math.ceil((options.floats * 4 + 64) / pageBytes);
    if (pages > maximumPages)
      throw new RangeError(
        `the in-process trainer needs ${((pages * pageBytes) / 2 ** 30).toFixed(1)} GiB for this model and sequence length; WebAssembly memory stops at 4 GiB: use a smaller model or sequenceLength`,
      );
    compiled ??= new WebAssembly.Module(Buffer.from(gemmWasm, 'base64'));
    this.#memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const instance = new WebAssembly.Instance(compiled, { kernels: { memory: this.#memory } });
    this.#gemm = instance.exports.gemm as Gemm;
    this.#adamw = instance.exports.adamw as AdamWKernel;
    owners.set(this.#memory.buffer, this);
    if (options.threads === 2) {
      const control = new Int32Array(new SharedArrayBuffer(12 * 4));
      const worker = new Worker(helperSource, {
        eval: true,
        workerData: { module: compiled, memory: this.#memory, control: control.buffer },
      });
      // Never keeps the process alive; a helper that fails leaves the work to this thread.
      worker.unref();
      const arena = new WeakRef(this);
      worker.on('error', () => {
        const owner = arena.deref();
        if (owner !== undefined) owner.#helper = undefined;
      });
      this.#helper = { worker, control };
      helpers.register(this, this.#helper, this);
    }
  }

  /** The arena `array` is a view on, if any. */
  static of(array: Float32Array): KernelArena | undefined {
    return owners.get(array.buffer);
  }

  /** Room left, in floats. */
  get available(): number {
    return (this.#memory.buffer.byteLength - this.#used) / 4;
  }

  /**
   * One AdamW step in place over arena arrays of the same length (gemm.wat's `adamw`, four floats at a
   * time): the constants as `update` in adamw.ts takes them.
   */
  adamw(
    values: Float32Array,
    gradient: Float32Array,
    first: Float32Array,
    second: Float32Array,
    constants: {
      decay: number;
      gradientScale: number;
      beta1: number;
      beta2: number;
      stepSize: number;
      rmsScale: number;
      eps: number;
    },
  ): void {
    for (const array of [values, gradient, first, second]) {
      if (array.buffer !== this.#memory.buffer || array.length !== values.length)
        throw new RangeError('adamw operands must be arena arrays of one length');
    }
    const { decay, gradientScale, beta1, beta2, stepSize, rmsScale, eps } = constants;
    this.#adamw(
      values.byteOffset,
      gradient.byteOffset,
      first.byteOffset,
      second.byteOffset,
      values.length,
      decay,
      gradientScale,
      beta1,
      beta2,
      stepSize,
      rmsScale,
      eps,
    );
  }

  /** A zeroed Float32Array of `length` floats inside the arena, 16-byte aligned. */
  allocate(length: number): Float32Array {
    const offset = this.#used;
    const bytes = Math.ceil((length * 4) / 16) * 16;
    if (offset + bytes > this.#memory.buffer.byteLength)
      throw new RangeError(
        `kernel arena full: ${length} floats asked, ${(this.#memory.buffer.byteLength - offset) / 4} left`,
      );
    this.#used += bytes;
    return new Float32Array(this.#memory.buffer, offset, length);
  }

  /**
   * c[m, n] (+)= Σₚ A(m, p) · b[p, n], with A(i, p) = a[i · aRowStride + p · aColumnStride]; b and c are
   * row-major with n columns. Every operand must be a view on this arena.
   */
  gemm(
    a: Float32Array,
    aRowStride: number,
    aColumnStride: number,
    b: Float32Array,
    c: Float32Array,
    m: number,
    n: number,
    k: number,
    accumulate: boolean,
  ): void {
    if (a.buffer !== this.#memory.buffer || b.buffer !== this.#memory.buffer || c.buffer !== this.#memory.buffer)
      throw new RangeError('gemm operands must be allocated in the kernel arena');
    if (m === 0 || n === 0) return;
    // Keep about 128 KiB of b (k rows × panel columns) in cache while the rows of A stream past.
    const panel = Math.max(8, Math.floor(32768 / Math.max(1, k) / 8) * 8);
    const helper = this.#helper;
    if (helper === undefined || m * n * k < parallelWork || m < 8) {
      this.#gemm(
        a.byteOffset,
        aRowStride,
        aColumnStride,
        b.byteOffset,
        c.byteOffset,
        m,
        n,
        k,
        accumulate ? 1 : 0,
        panel,
      );
      return;
    }
    // Rows [0, split) here, [split, m) on the helper: the same kernel on offset A and C.
    const split = Math.floor(m / 8) * 4;
    const state = helper.control;
    state.set(
      [
        a.byteOffset + split * aRowStride * 4,
        aRowStride,
        aColumnStride,
        b.byteOffset,
        c.byteOffset + split * n * 4,
        m - split,
        n,
        k,
        accumulate ? 1 : 0,
        panel,
      ],
      1,
    );
    Atomics.store(state, 11, 0);
    Atomics.store(state, 0, 1);
    Atomics.notify(state, 0);
    this.#gemm(
      a.byteOffset,
      aRowStride,
      aColumnStride,
      b.byteOffset,
      c.byteOffset,
      split,
      n,
      k,
      accumulate ? 1 : 0,
      panel,
    );
    if (Atomics.wait(state, 11, 0, 10_000) !== 'timed-out') return;
    // A helper that never started (or died): take its half back unless it has claimed it, and go on alone.
    if (Atomics.compareExchange(state, 0, 1, 0) === 1) {
      this.#helper = undefined;
      helpers.unregister(this);
      void helper.worker.terminate();
      this.#gemm(
        state[1] as number,
        aRowStride,
        aColumnStride,
        b.byteOffset,
        state[5] as number,
        m - split,
        n,
        k,
        accumulate ? 1 : 0,
        panel,
      );
    } else {
      Atomics.wait(state, 11, 0);
    }
  }
}
