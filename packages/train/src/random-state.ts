const stateLength = 624;
const middleWord = 397;
const upperMask = 0x80000000;
const lowerMask = 0x7fffffff;
const matrixA = 0x9908b0df;

/** A shuffleable typed array (the dtypes Megatron's index maps use). */
export type ShuffleableArray = Int32Array | Uint32Array | Float64Array | number[];

/**
 * numpy's legacy `np.random.RandomState(seed)`: MT19937 seeded as numpy seeds an integer, with the
 * `shuffle` numpy runs on 1-d arrays. Megatron's index maps depend on its exact stream, so this is a
 * bit-for-bit port, not a generic PRNG.
 */
export class RandomState {
  readonly #key = new Uint32Array(stateLength);
  #position = stateLength;

  /** `seed` is an integer in [0, 2**32 - 1], as numpy requires. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`RandomState seed must be an integer between 0 and 2**32 - 1, got ${seed}`);
    }
    // numpy's mt19937_seed (Knuth's init_genrand) for scalar seeds.
    let value = seed >>> 0;
    for (let position = 0; position < stateLength; position += 1) {
      this.#key[position] = value;
      value = (Math.imul(1812433253, (value ^ (value >>> 30)) >>> 0) + position + 1) >>> 0;
    }
  }

  // The standard MT19937 twist, split in three loops so no index needs a modulo.
  #generate(): void {
    const key = this.#key;
    const twist = (index: number, next: number, far: number): void => {
      const y = ((key[index] as number) & upperMask) | ((key[next] as number) & lowerMask);
      key[index] = ((key[far] as number) ^ (y >>> 1) ^ (y & 1 ? matrixA : 0)) >>> 0;
    };
    let index = 0;
    for (; index < stateLength - middleWord; index += 1) twist(index, index + 1, index + middleWord);
    for (; index < stateLength - 1; index += 1) twist(index, index + 1, index + middleWord - stateLength);
    twist(stateLength - 1, 0, middleWord - 1);
    this.#position = 0;
  }

  /** The next 32-bit output of the generator, tempered as MT19937 does. */
  nextUint32(): number {
    if (this.#position >= stateLength) this.#generate();
    let y = this.#key[this.#position] as number;
    this.#position += 1;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's `random_interval(max)`: a uniform integer in [0, max] by masked rejection (max < 2**32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** `RandomState.shuffle(x)` for a 1-d array: Fisher–Yates from the end, in place. */
  shuffle<T extends ShuffleableArray>(array: T): T {
    if (array.length > 0xffffffff) throw new RangeError('RandomState.shuffle supports arrays shorter than 2**32');
    for (let index = array.length - 1; index > 0; index -= 1) {
      const other = this.interval(index);
      const held = array[other] as number;
      array[other] = array[index] as number;
      array[index] = held;
    }
    return array;
  }
}
