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

/** The model configuration (`config.json`, `params.json`, `aquila-config.json`) is missing or inconsistent. */
export class ModelConfigError extends AquilaError {
  static override readonly code: string = 'AQUILA_MODEL_CONFIG';
}

/** Generation options or a prompt are out of range (a prompt longer than the context, a negative temperature). */
export class GenerationOptionsError extends AquilaError {
  static override readonly code: string = 'AQUILA_GENERATION_OPTIONS';
}

/** The ONNX runtime failed to load or run a converted model. */
export class ModelRunError extends AquilaError {
  static override readonly code: string = 'AQUILA_MODEL_RUN';
}

/** Downloading a hub checkpoint failed: an HTTP error, a size or checksum mismatch. */
export class DownloadError extends AquilaError {
  static override readonly code: string = 'AQUILA_DOWNLOAD';
}
