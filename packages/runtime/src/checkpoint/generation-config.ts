import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeValue } from '@aquila/errors';
import type { GenerationDefaults } from '../converted-model-config.js';
import { ModelConfigError } from '../errors.js';
import { tokenIds } from './model-config.js';
import { parseConfigObject } from './parse-config-object.js';

export interface ReadGenerationConfigOptions {
  /** A checkpoint folder that may hold `generation_config.json`. */
  directory: string;
}

/** What a checkpoint's `generation_config.json` sets. */
export interface CheckpointGenerationConfig {
  /** The sampling defaults it sets, as transformers' `generate` applies them. */
  defaults: Partial<GenerationDefaults>;
  /** Its `eos_token_id`s, which override config.json's for generation (as in transformers). */
  eosTokenIds?: number[];
  /** The file read. */
  source: string;
}

/**
 * Reads `generation_config.json` where the checkpoint has one (undefined where not), mapped the way
 * transformers' `generate` reads it: `do_sample: true` samples at `temperature` (default 1) with `top_k`
 * (default 50) and `top_p` (default 1); otherwise decoding is greedy. `repetition_penalty` applies in both;
 * `max_new_tokens` bounds the output. Beam search and other strategies are not carried over.
 */
export async function readGenerationConfig(
  options: ReadGenerationConfigOptions,
): Promise<CheckpointGenerationConfig | undefined> {
  const file = join(options.directory, 'generation_config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelConfigError(`${file}: cannot be read (${(error as Error).message}).`, { cause: error });
  }
  const config = parseConfigObject(text, file);
  const number = (key: string, fallback: number, valid: (value: number) => boolean): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== 'number' || !valid(value))
      throw new ModelConfigError(`${file}: "${key}" is out of range, got ${describeValue(config[key])}.`);
    return value;
  };
  const defaults: Partial<GenerationDefaults> = {};
  if (config.do_sample === true) {
    defaults.temperature = number('temperature', 1, (value) => value >= 0);
    defaults.topK = number('top_k', 50, (value) => Number.isInteger(value) && value >= 0);
    defaults.topP = number('top_p', 1, (value) => value > 0 && value <= 1);
  } else {
    defaults.temperature = 0;
  }
  if (config.repetition_penalty !== undefined)
    defaults.repetitionPenalty = number('repetition_penalty', 1, (value) => value > 0);
  if (config.max_new_tokens !== undefined && config.max_new_tokens !== null)
    defaults.maxNewTokens = number('max_new_tokens', 0, (value) => Number.isInteger(value) && value > 0);
  const eosTokenIds = config.eos_token_id === undefined ? undefined : tokenIds(config.eos_token_id);
  return { defaults, ...(eosTokenIds && eosTokenIds.length > 0 ? { eosTokenIds } : {}), source: file };
}
