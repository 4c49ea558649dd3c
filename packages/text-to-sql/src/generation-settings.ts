import { flagaiPromptIds, flagaiSampling, flagaiStopRules } from '@aquila/prompts';
import type { GenerationOptions, GenerationRequest, GenerationTokenizer } from '@aquila/runtime';
import { TextToSqlOptionsError } from './errors.js';

/** Sampling, length and stop rules of one generation, and how the prompt text becomes the model's input. */
export interface SqlGenerationSettings
  extends Pick<
    GenerationOptions,
    'temperature' | 'topK' | 'topP' | 'repetitionPenalty' | 'maxNewTokens' | 'seed' | 'stopTokenIds' | 'stopStrings'
  > {
  /**
   * `flagai` (default): FlagAI's path, BOS + the prompt with newline runs collapsed; a model without a tokenizer
   * (an HTTP endpoint) gets the collapsed text with `addBos`. `plain`: the text as it is. `chat`: the prompt is
   * rendered through the model's own chat template and sent as ids (as text without a tokenizer), its special
   * tokens read and no BOS added
   * ({@link resolvePromptFormat} picks it for a chat model).
   */
  promptFormat?: 'flagai' | 'plain' | 'chat';
}

/**
 * The named settings: `greedy` (the benchmark default), `flagai` (FlagAI's `predict()` defaults, sampled with seed
 * 1234) and `sampled` (for several candidates voted by execution: temperature 0.8 and top-p 0.95, OmniSQL's
 * sampling, seed 0; candidate i gets seed + i).
 */
export const sqlGenerationPresets = {
  greedy: { temperature: 0, maxNewTokens: flagaiSampling.maxNewTokens, ...flagaiStopRules, promptFormat: 'flagai' },
  flagai: { ...flagaiSampling, ...flagaiStopRules, promptFormat: 'flagai' },
  sampled: {
    temperature: 0.8,
    topP: 0.95,
    seed: 0,
    maxNewTokens: flagaiSampling.maxNewTokens,
    ...flagaiStopRules,
    promptFormat: 'flagai',
  },
} as const satisfies Record<string, SqlGenerationSettings>;

export type SqlGenerationPreset = keyof typeof sqlGenerationPresets;

/** A preset by name, with a clear error for unknown names. */
export function sqlGenerationPreset(name: string): SqlGenerationSettings {
  if (!Object.hasOwn(sqlGenerationPresets, name))
    throw new TextToSqlOptionsError(
      `unknown generation preset "${name}"; use ${Object.keys(sqlGenerationPresets).join(' or ')}.`,
    );
  return sqlGenerationPresets[name as SqlGenerationPreset];
}

/**
 * Checks that `samples` candidates can differ: more than one needs a temperature above 0 (greedy decoding gives n
 * equal candidates). Returns `samples`.
 */
export function checkSampling(options: { samples: number; settings: SqlGenerationSettings }): number {
  const { samples, settings } = options;
  if (!Number.isInteger(samples) || samples < 1 || samples > 64)
    throw new TextToSqlOptionsError(`samples must be an integer from 1 to 64, got ${samples}.`);
  if (samples > 1 && !((settings.temperature ?? 0) > 0))
    throw new TextToSqlOptionsError(
      `samples ${samples} with temperature ${settings.temperature ?? 'unset'} would give ${samples} equal candidates: set temperature above 0 (the sampled preset: temperature 0.8, top-p 0.95; or --temperature 0.8).`,
    );
  return samples;
}

/** A runtime request as text-to-SQL sends it to a model (`TextToSqlModel.stream`). */
export interface SqlGenerationRequest extends GenerationRequest {
  /**
   * The text `prompt` must begin with the model's BOS token, which a model that tokenizes the text itself (an
   * endpoint) is asked to add: the FlagAI format on a model without a tokenizer here. Ids come with BOS already.
   */
  addBos?: boolean;
}

export interface SqlGenerationRequestOptions {
  prompt: string;
  settings: SqlGenerationSettings;
  /** The model's tokenizer, when it has one: the FlagAI format then sends ids with BOS. */
  tokenizer: GenerationTokenizer | undefined;
  signal?: AbortSignal;
}

/** The runtime request for a prompt under the given settings. */
export function sqlGenerationRequest(options: SqlGenerationRequestOptions): SqlGenerationRequest {
  const { promptFormat = 'flagai', ...sampling } = options.settings;
  const defined = Object.fromEntries(
    Object.entries(sampling).filter(([, value]) => value !== undefined),
  ) as GenerationOptions;
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  // Rendered chat text carries the BOS where its template puts it: sent as ids, it gets no `promptStartIds` on top.
  if (promptFormat === 'chat' && options.tokenizer !== undefined)
    return { ...defined, ...signal, promptIds: options.tokenizer.encode(options.prompt) };
  if (promptFormat === 'plain' || promptFormat === 'chat') return { ...defined, ...signal, prompt: options.prompt };
  if (options.tokenizer !== undefined)
    return {
      ...defined,
      ...signal,
      promptIds: flagaiPromptIds({ text: options.prompt, tokenizer: options.tokenizer }),
    };
  return { ...defined, ...signal, prompt: options.prompt.replace(/\n+/g, '\n'), addBos: true };
}
