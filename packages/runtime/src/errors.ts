import { AquilaError } from '@aquila/errors';

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
