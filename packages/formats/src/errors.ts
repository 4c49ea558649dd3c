import { AquilaError } from '@aquila/errors';

/** A checkpoint file is malformed: a truncated or lying safetensors header, a broken zip, a bad pickle. */
export class CheckpointFormatError extends AquilaError {
  static override readonly code: string = 'AQUILA_CHECKPOINT_FORMAT';
}

/** A PyTorch pickle asked for something outside the tensor subset (a callable to run, an unknown opcode). */
export class UnsafePickleError extends AquilaError {
  static override readonly code: string = 'AQUILA_UNSAFE_PICKLE';
}

/** A tensor the model needs is absent from the checkpoint, or has the wrong shape or dtype. */
export class CheckpointTensorError extends AquilaError {
  static override readonly code: string = 'AQUILA_CHECKPOINT_TENSOR';
}

/** An `.idx`/`.bin` pair is not a valid Megatron MMIDIDX indexed dataset (or does not match its own index). */
export class IndexedDatasetFormatError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_INDEXED_DATASET_FORMAT';
}

/** No `.bin`/`.idx` pair at the prefix given: a file is missing or is a folder. */
export class IndexedDatasetNotFoundError extends AquilaError {
  static override readonly code: string = 'AQUILA_INDEXED_DATASET_NOT_FOUND';
}

/** A token id does not fit the indexed dataset's dtype (e.g. an id over 65,535 in a uint16 file). */
export class TokenRangeError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_TOKEN_RANGE';
}

/** Parallel text and loss-mask documents differ in length. */
export class LossMaskLengthError extends AquilaError {
  static override readonly code: string = 'AQUILA_DATA_LOSS_MASK_LENGTH';
}

/** An `.npy` file that is not a numpy v1/v2/v3 array this package can read. */
export class NpyFormatError extends AquilaError {
  static override readonly code: string = 'AQUILA_NPY_FORMAT';
}
