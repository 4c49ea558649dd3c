import { ModelConfigError } from '../errors.js';

/** A config file's text as a JSON object, or a `ModelConfigError` naming the file. */
export function parseConfigObject(text: string, file: string): Record<string, unknown> {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new ModelConfigError(`${file}: not valid JSON (${(error as Error).message}).`, { cause: error });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new ModelConfigError(`${file}: not a JSON object.`);
  return config as Record<string, unknown>;
}
