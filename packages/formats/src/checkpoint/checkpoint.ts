import type { TensorDtype } from './tensor-dtype.js';

/** What a checkpoint says about one tensor, before reading it. */
export interface CheckpointTensorInfo {
  name: string;
  dtype: TensorDtype;
  shape: readonly number[];
  /** The file holding the tensor. */
  file: string;
}

export interface ReadTensorOptions {
  signal?: AbortSignal;
}

/** A checkpoint opened for tensor-by-tensor reads: nothing is loaded until `read` asks for it. */
export interface Checkpoint {
  /** Every tensor, in file order. */
  readonly tensors: readonly CheckpointTensorInfo[];
  /** The tensor's description, or undefined when absent. */
  get(name: string): CheckpointTensorInfo | undefined;
  /** Reads one tensor as float32 values (F16/BF16/F64 are converted; I64 and BOOL buffers too, as numbers). */
  read(name: string, options?: ReadTensorOptions): Promise<Float32Array>;
  /** Closes the open files. */
  close(): Promise<void>;
}
