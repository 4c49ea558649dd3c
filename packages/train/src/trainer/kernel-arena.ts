import { gemmWasm } from './gemm-wasm.js';

// The ES2023 lib this package builds against has no WebAssembly types: the little used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

let compiled: object | undefined;

type Gemm = (a: number, aRow: number, aColumn: number, b: number, c: number, m: number, n: number, k: number, accumulate: number, panel: number) => void;

const pageBytes = 65536;
// wasm32 addresses 4 GiB at most.
const maximumPages = 65536;

/**
 * One WebAssembly memory holding a model's weights, gradients and activations as Float32Array views, and
 * the SIMD matrix multiply (gemm.wat) that works on them in place: no copies between JS and wasm.
 * Its size is fixed when created, because growing a wasm memory detaches every view on it.
 */
export class KernelArena {
  readonly #memory: { buffer: ArrayBuffer };
  readonly #gemm: Gemm;
  #used = 0;

  /** An arena with room for `floats` 32-bit floats (each allocation rounded up to 16 bytes). */
  constructor(options: { floats: number }) {
    const pages = Math.ceil((options.floats * 4 + 64) / pageBytes);
    if (pages > maximumPages) throw new RangeError(`the in-process trainer needs ${((pages * pageBytes) / 2 ** 30).toFixed(1)} GiB for this model and sequence length; WebAssembly memory stops at 4 GiB: use a smaller model or sequenceLength`);
    compiled ??= new WebAssembly.Module(Buffer.from(gemmWasm, 'base64'));
    this.#memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const instance = new WebAssembly.Instance(compiled, { kernels: { memory: this.#memory } });
    this.#gemm = instance.exports.gemm as Gemm;
  }

  /** A zeroed Float32Array of `length` floats inside the arena, 16-byte aligned. */
  allocate(length: number): Float32Array {
    const offset = this.#used;
    const bytes = Math.ceil((length * 4) / 16) * 16;
    if (offset + bytes > this.#memory.buffer.byteLength) throw new RangeError(`kernel arena full: ${length} floats asked, ${(this.#memory.buffer.byteLength - offset) / 4} left`);
    this.#used += bytes;
    return new Float32Array(this.#memory.buffer, offset, length);
  }

  /**
   * c[m, n] (+)= Σₚ A(m, p) · b[p, n], with A(i, p) = a[i · aRowStride + p · aColumnStride]; b and c are
   * row-major with n columns. Every operand must be a view on this arena.
   */
  gemm(a: Float32Array, aRowStride: number, aColumnStride: number, b: Float32Array, c: Float32Array, m: number, n: number, k: number, accumulate: boolean): void {
    if (a.buffer !== this.#memory.buffer || b.buffer !== this.#memory.buffer || c.buffer !== this.#memory.buffer) throw new RangeError('gemm operands must be allocated in the kernel arena');
    if (m === 0 || n === 0) return;
    // Keep about 128 KiB of b (k rows × panel columns) in cache while the rows of A stream past.
    const panel = Math.max(8, Math.floor(32768 / Math.max(1, k) / 8) * 8);
    this.#gemm(a.byteOffset, aRowStride, aColumnStride, b.byteOffset, c.byteOffset, m, n, k, accumulate ? 1 : 0, panel);
  }
}
