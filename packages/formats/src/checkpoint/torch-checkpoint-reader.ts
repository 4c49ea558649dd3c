import { describeValue } from '@aquila/errors';
import { CheckpointFormatError, CheckpointTensorError } from '../errors.js';
import type { Checkpoint, CheckpointTensorInfo, ReadTensorOptions } from './checkpoint.js';
import { type CheckpointFileOptions, openCheckpointFile, readExactly, readTensorValues } from './checkpoint-file.js';
import { type PickledTensor, readPickle } from './pickle-reader.js';
import { tensorDtypeSizes } from './tensor-dtype.js';
import { readZipEntries, type ZipEntry } from './zip-reader.js';

const maximumPickleLength = 256 * 1024 * 1024;

function isTensor(value: unknown): value is PickledTensor {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'tensor';
}

/**
 * The state dict inside the top-level object: itself, or the one dict of tensors it wraps (`{"module": …}`,
 * wrapped any number of times). A loop, not recursion, and each dict visited once: a pickle can nest dicts a
 * million deep, or put a dict inside itself through the memo.
 */
function findStateDict(value: unknown, file: string): Map<unknown, unknown> {
  if (!(value instanceof Map))
    throw new CheckpointFormatError(`${file}: the pickle holds ${describeValue(value)}, not a dict of tensors.`);
  const visited = new Set<Map<unknown, unknown>>();
  let current: Map<unknown, unknown> = value;
  for (;;) {
    visited.add(current);
    for (const item of current.values()) if (isTensor(item)) return current;
    const inner = ['module', 'state_dict', 'model'].map((key) => current.get(key)).find((item) => item instanceof Map);
    if (!(inner instanceof Map) || visited.has(inner)) break;
    current = inner;
  }
  const keys = [...current.keys()].slice(0, 10).map((key) => describeValue(key, 40));
  const contents =
    current.size === 0
      ? 'its dict is empty'
      : `its dict has ${current.size} key${current.size === 1 ? '' : 's'}: ${keys.join(', ')}${current.size > 10 ? ', …' : ''}`;
  throw new CheckpointFormatError(`${file}: no tensors found in the pickle (${contents}).`);
}

export type OpenTorchCheckpointOptions = CheckpointFileOptions;

/** Opens a PyTorch zip checkpoint without running its pickle: tensors are located, then read one at a time. */
export async function openTorchCheckpoint(options: OpenTorchCheckpointOptions): Promise<Checkpoint> {
  const file = options.path;
  const handle = await openCheckpointFile({ ...options, kind: 'the checkpoint' });
  try {
    const entries = await readZipEntries(handle, file);
    const pickleEntry = entries.find((entry) => entry.name === 'data.pkl' || entry.name.endsWith('/data.pkl'));
    if (!pickleEntry)
      throw new CheckpointFormatError(`${file}: the zip has no data.pkl record; not a torch.save checkpoint.`);
    if (pickleEntry.size > maximumPickleLength)
      throw new CheckpointFormatError(
        `${file}: data.pkl is ${pickleEntry.size} bytes, over the ${maximumPickleLength}-byte limit.`,
      );
    const prefix = pickleEntry.name.slice(0, -'data.pkl'.length);
    const records = new Map<string, ZipEntry>(entries.map((entry) => [entry.name, entry]));
    const pickle = await readExactly(handle, file, pickleEntry.dataOffset, pickleEntry.size);
    const stateDict = findStateDict(readPickle(pickle, { where: `${file} (${pickleEntry.name})` }), file);
    const tensors = new Map<string, { info: CheckpointTensorInfo; offset: number; length: number }>();
    for (const [key, value] of stateDict) {
      if (typeof key !== 'string' || !isTensor(value)) continue;
      const record = records.get(`${prefix}data/${value.storageKey}`);
      if (!record)
        throw new CheckpointFormatError(
          `${file}: tensor ${describeValue(key, 200)} refers to storage ${describeValue(value.storageKey)}, which the zip lacks.`,
        );
      let expectedStride = 1;
      let elements = 1;
      for (let axis = value.shape.length - 1; axis >= 0; axis--) {
        const size = value.shape[axis] as number;
        if (size > 1 && value.stride[axis] !== expectedStride) {
          throw new CheckpointTensorError(
            `${file}: tensor ${describeValue(key, 200)} is not contiguous (stride [${value.stride.join(', ')}] for shape [${value.shape.join(', ')}]); save it with .contiguous().`,
          );
        }
        expectedStride *= size;
        elements *= size;
      }
      const itemSize = tensorDtypeSizes[value.dtype];
      const offset = value.storageOffset * itemSize;
      const length = elements * itemSize;
      if (!Number.isSafeInteger(offset + length) || offset + length > record.size) {
        throw new CheckpointFormatError(
          `${file}: tensor ${describeValue(key, 200)} (${length} bytes at ${offset}) runs past its ${record.size}-byte storage record.`,
        );
      }
      tensors.set(key, {
        info: { name: key, dtype: value.dtype, shape: value.shape, file },
        offset: record.dataOffset + offset,
        length,
      });
    }
    return {
      tensors: [...tensors.values()].map((tensor) => tensor.info),
      get: (name) => tensors.get(name)?.info,
      async read(name: string, readOptions: ReadTensorOptions = {}) {
        readOptions.signal?.throwIfAborted();
        const tensor = tensors.get(name);
        if (!tensor) throw new CheckpointTensorError(`${file}: no tensor named "${name}".`);
        return readTensorValues(handle, file, tensor.offset, tensor.length, tensor.info.dtype);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
