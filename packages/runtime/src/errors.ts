import { AquilaError } from '@aquila/errors';

/** The model configuration (`config.json`, `params.json`, `aquila-config.json`) is missing or inconsistent. */
export class ModelConfigError extends AquilaError {
  static override readonly code: string = 'AQUILA_MODEL_CONFIG';
}

/**
 * The checkpoint's config asks for a computation this converter does not implement exactly (an unknown
 * `model_type` or `hidden_act`, a `rope_scaling` type, projection biases it cannot place, …); `key` names
 * the config key, so nothing converts into a model other than the checkpoint's.
 */
export class UnsupportedModelError extends ModelConfigError {
  static override readonly code: string = 'AQUILA_UNSUPPORTED_MODEL';
  readonly key: string;

  constructor(key: string, message: string) {
    super(message);
    this.key = key;
  }
}

/** Generation options or a prompt are out of range (a prompt longer than the context, a negative temperature). */
export class GenerationOptionsError extends AquilaError {
  static override readonly code: string = 'AQUILA_GENERATION_OPTIONS';
}

/** The ONNX runtime failed to load or run a converted model. */
export class ModelRunError extends AquilaError {
  static override readonly code: string = 'AQUILA_MODEL_RUN';
}

/** The tokenizer's vocabulary holds ids past the model's embedding rows: those tokens would index rows the model lacks. */
export class TokenizerVocabularyError extends ModelConfigError {
  static override readonly code: string = 'AQUILA_TOKENIZER_VOCABULARY';
}
