import { describeValue } from '@aquila/errors';
import { UnsafePickleError } from '../errors.js';
import type { TensorDtype } from './tensor-dtype.js';

/** A tensor as a PyTorch pickle describes it: a view into a storage record of the zip archive. */
export interface PickledTensor {
  kind: 'tensor';
  storageKey: string;
  dtype: TensorDtype;
  /** In elements. */
  storageOffset: number;
  shape: number[];
  stride: number[];
}

interface PickledStorage {
  kind: 'storage';
  key: string;
  dtype: TensorDtype;
}

interface PickledGlobal {
  kind: 'global';
  name: string;
}

type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | PickledTensor
  | PickledStorage
  | PickledGlobal
  | { kind: 'tuple'; items: PickleValue[] };

/** Float storages hold weights; int64 and bool ones hold buffers (position ids, masks) that are read, not refused. */
const storageTypes: Readonly<Record<string, TensorDtype>> = {
  'torch.FloatStorage': 'F32',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.DoubleStorage': 'F64',
  'torch.LongStorage': 'I64',
  'torch.BoolStorage': 'BOOL',
};

/**
 * The most values (and marks) a pickle may push. A state dict pushes about a dozen per tensor, so real
 * checkpoints stay far below; without a bound, 256 MB of one-byte EMPTY_DICT opcodes would ask for 50 GB.
 */
export const maximumPickleValues = 4_000_000;

/** The only callables a checkpoint may name; anything else is refused before it could matter. */
const allowedCallables = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
]);

function isTuple(value: unknown): value is { kind: 'tuple'; items: PickleValue[] } {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'tuple';
}

function toIntegers(value: PickleValue, what: string, where: string): number[] {
  const items = isTuple(value) ? value.items : Array.isArray(value) ? value : undefined;
  if (!items?.every((item) => typeof item === 'number' && Number.isSafeInteger(item) && item >= 0)) {
    throw new UnsafePickleError(`${where}: tensor ${what} is not a tuple of non-negative integers.`);
  }
  return items as number[];
}

export interface ReadPickleOptions {
  /** For messages: the file and record. */
  where: string;
}

/**
 * Reads the tensor subset of the pickle protocol (0–5) used by `torch.save` state dicts. It never
 * imports or runs anything: GLOBAL names outside a fixed allow-list (OrderedDict, tensor rebuilds,
 * storage types) are refused with `UnsafePickleError`, as is every opcode outside the subset.
 * Returns the top-level value with dicts as `Map`s and tensors as `PickledTensor` descriptions.
 */
export function readPickle(bytes: Uint8Array, options: ReadPickleOptions): unknown {
  const { where } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let position = 0;
  let pushed = 0;

  const fail = (message: string): never => {
    throw new UnsafePickleError(`${where}: ${message} (at byte ${position}).`);
  };
  const counted = (): void => {
    pushed += 1;
    if (pushed > maximumPickleValues)
      fail(
        `the pickle pushes more than ${maximumPickleValues} values, far more than a tensor checkpoint; refusing to load it`,
      );
  };
  /** Every push counts, memo references too: each takes a stack slot. */
  const push = (value: PickleValue): void => {
    counted();
    stack.push(value);
  };
  const need = (count: number): number => {
    if (count < 0 || position + count > bytes.length) fail(`truncated pickle: ${count} more bytes needed`);
    const start = position;
    position += count;
    return start;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= (marks.at(-1) as number))) fail('stack underflow');
    return stack.pop() as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const mark = marks.pop();
    if (mark === undefined) fail('no MARK on the stack');
    return stack.splice(mark as number);
  };
  const top = (): PickleValue => {
    if (stack.length === 0) fail('stack underflow');
    return stack.at(-1) as PickleValue;
  };
  const text = (length: number): string => new TextDecoder().decode(bytes.subarray(need(length), position));
  const line = (): string => {
    const end = bytes.indexOf(0x0a, position);
    if (end < 0) fail('unterminated GLOBAL name');
    const value = new TextDecoder().decode(bytes.subarray(position, end));
    position = end + 1;
    return value;
  };
  const resolveGlobal = (module: string, name: string): PickledGlobal => {
    const full = `${module}.${name}`;
    if (!allowedCallables.has(full) && !Object.hasOwn(storageTypes, full)) {
      fail(
        `the pickle names ${describeValue(full, 120)}, which is not part of a tensor checkpoint; refusing to load it (only tensors, OrderedDict and storage types are allowed)`,
      );
    }
    return { kind: 'global', name: full };
  };
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof Map)) fail('SETITEM on something that is not a dict');
    for (let index = 0; index + 1 < items.length; index += 2)
      (target as Map<PickleValue, PickleValue>).set(items[index] as PickleValue, items[index + 1] as PickleValue);
  };
  const call = (callable: PickleValue, args: PickleValue): PickleValue => {
    if (typeof callable !== 'object' || callable === null || (callable as PickledGlobal).kind !== 'global')
      fail('REDUCE on a value that is not an allowed callable');
    if (!isTuple(args)) fail('REDUCE arguments are not a tuple');
    const name = (callable as PickledGlobal).name;
    const items = (args as { items: PickleValue[] }).items;
    if (name === 'collections.OrderedDict') return new Map();
    if (name === 'torch._utils._rebuild_parameter') return items[0] ?? fail('_rebuild_parameter without data');
    if (name === 'torch._utils._rebuild_tensor_v2') {
      const [storage, offset, size, stride] = items;
      if (typeof storage !== 'object' || storage === null || (storage as PickledStorage).kind !== 'storage')
        fail('_rebuild_tensor_v2 without a storage');
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail('bad tensor storage offset');
      const { key, dtype } = storage as PickledStorage;
      return {
        kind: 'tensor',
        storageKey: key,
        dtype,
        storageOffset: offset as number,
        shape: toIntegers(size ?? null, 'size', where),
        stride: toIntegers(stride ?? null, 'stride', where),
      };
    }
    return fail(`${describeValue(name, 120)} cannot be called`);
  };

  for (;;) {
    if (position >= bytes.length) fail('the pickle ends without STOP');
    const opcode = bytes[need(1)] as number;
    switch (opcode) {
      case 0x80:
        need(1);
        break; // PROTO
      case 0x95:
        need(8);
        break; // FRAME
      case 0x2e: {
        // STOP
        const value = pop();
        return value;
      }
      case 0x28:
        counted();
        marks.push(stack.length);
        break; // MARK
      case 0x7d:
        push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        push([]);
        break; // EMPTY_LIST
      case 0x29:
        push({ kind: 'tuple', items: [] });
        break; // EMPTY_TUPLE
      case 0x4e:
        push(null);
        break; // NONE
      case 0x88:
        push(true);
        break;
      case 0x89:
        push(false);
        break;
      case 0x4b:
        push(bytes[need(1)] as number);
        break; // BININT1
      case 0x4d:
        push(view.getUint16(need(2), true));
        break; // BININT2
      case 0x4a:
        push(view.getInt32(need(4), true));
        break; // BININT
      case 0x8a: {
        // LONG1
        const length = bytes[need(1)] as number;
        const start = need(length);
        let value = 0n;
        for (let index = length - 1; index >= 0; index--)
          value = (value << 8n) | BigInt(bytes[start + index] as number);
        if (length > 0 && ((bytes[start + length - 1] as number) & 0x80) !== 0) value -= 1n << BigInt(8 * length);
        push(
          value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value,
        );
        break;
      }
      case 0x47:
        push(view.getFloat64(need(8), false));
        break; // BINFLOAT
      case 0x58:
        push(text(view.getUint32(need(4), true)));
        break; // BINUNICODE
      case 0x8c:
        push(text(bytes[need(1)] as number));
        break; // SHORT_BINUNICODE
      case 0x8d: {
        // BINUNICODE8
        const length = view.getBigUint64(need(8), true);
        if (length > BigInt(bytes.length)) fail('string longer than the pickle');
        push(text(Number(length)));
        break;
      }
      case 0x43: {
        // SHORT_BINBYTES
        const length = bytes[need(1)] as number;
        push(bytes.slice(need(length), position));
        break;
      }
      case 0x42: {
        // BINBYTES
        const length = view.getUint32(need(4), true);
        push(bytes.slice(need(length), position));
        break;
      }
      // Memo entries are counted like values: each costs memory, and LONG_BINPUT can make billions.
      case 0x71:
        counted();
        memo.set(bytes[need(1)] as number, top());
        break; // BINPUT
      case 0x72:
        counted();
        memo.set(view.getUint32(need(4), true), top());
        break; // LONG_BINPUT
      case 0x94:
        counted();
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
      case 0x6a: {
        // BINGET, LONG_BINGET
        const key = opcode === 0x68 ? (bytes[need(1)] as number) : view.getUint32(need(4), true);
        if (!memo.has(key)) fail(`memo key ${key} was never stored`);
        push(memo.get(key) as PickleValue);
        break;
      }
      case 0x74:
        push({ kind: 'tuple', items: popMark() });
        break; // TUPLE
      case 0x85:
        push({ kind: 'tuple', items: [pop()] });
        break;
      case 0x86: {
        const second = pop();
        push({ kind: 'tuple', items: [pop(), second] });
        break;
      }
      case 0x87: {
        const third = pop();
        const second = pop();
        push({ kind: 'tuple', items: [pop(), second, third] });
        break;
      }
      case 0x73: {
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      } // SETITEMS
      case 0x61: {
        const value = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND to a non-list');
        (list as PickleValue[]).push(value);
        break;
      }
      case 0x65: {
        // APPENDS (a loop: spreading 200,000 items as arguments would overflow the stack)
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to a non-list');
        for (const item of items) (list as PickleValue[]).push(item);
        break;
      }
      case 0x63: {
        const module = line();
        push(resolveGlobal(module, line()));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL without two strings');
        push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        const args = pop();
        push(call(pop(), args));
        break;
      } // REDUCE
      case 0x62: {
        pop();
        top();
        break;
      } // BUILD: state (OrderedDict._metadata) is not needed
      case 0x51: {
        // BINPERSID: ('storage', storage_type, key, location, numel)
        const id = pop();
        const items = isTuple(id) ? id.items : [];
        const [tag, type, key] = items;
        if (
          tag !== 'storage' ||
          typeof key !== 'string' ||
          typeof type !== 'object' ||
          type === null ||
          (type as PickledGlobal).kind !== 'global'
        ) {
          fail('a persistent id that is not a tensor storage');
        }
        const dtype = storageTypes[(type as PickledGlobal).name];
        if (!dtype)
          fail(`storage type ${describeValue((type as PickledGlobal).name, 120)} is not one of a tensor checkpoint`);
        push({ kind: 'storage', key: key as string, dtype: dtype as TensorDtype });
        break;
      }
      default:
        fail(
          `opcode 0x${opcode.toString(16).padStart(2, '0')} is outside the tensor subset of pickle; refusing to load it`,
        );
    }
  }
}
