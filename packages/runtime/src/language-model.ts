import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aquilaSpecialTokenIds, type ChatTemplate, flagaiChatTemplate, readChatTemplate } from '@aquila/prompts';
import { loadTokenizer } from '@aquila/tokenizer';
import { type ConvertedModelConfig, checkConvertedModelVersion } from './converted-model-config.js';
import { GenerationOptionsError, ModelConfigError } from './errors.js';
import { BatchScheduler, type ScheduledRequest } from './generation/batch-scheduler.js';
import type {
  ChoiceEvent,
  ChoicesRequest,
  GenerationEvent,
  GenerationRequest,
  GenerationResult,
  GenerationTokenizer,
} from './generation/generation-types.js';
import { OnnxDecoder } from './generation/onnx-decoder.js';
import { validateSamplingOptions } from './generation/sample-token.js';

export interface LoadLanguageModelOptions {
  /** A folder written by `convertCheckpoint` (aquila-config.json, model.onnx, model.onnx.data). */
  path: string;
  /**
   * The tokenizer for text prompts, text output and stop strings. Default: the tokenizer files copied
   * into the folder by the conversion (`@aquila/tokenizer`), if any; `null`: none, generation works on ids.
   */
  tokenizer?: GenerationTokenizer | null;
  /** onnxruntime intra-op threads; default all cores. */
  threads?: number;
  /** The most sequences decoded together; more requests wait their turn. Default 8. */
  maxBatchSize?: number;
  /** Prompt tokens per prefill step: running streams get a decode step between chunks of a long prompt. Default 128. */
  prefillChunkSize?: number;
}

/** The most choices one request may ask for. */
const maxChoices = 64;

/** Collects the events of `count` choices (untagged events are choice 0) into their results, in index order. */
async function collectResults(
  events: AsyncIterable<GenerationEvent & { index?: number }>,
  count: number,
): Promise<GenerationResult[]> {
  const partial = new Map<number, { text: string; tokenIds: number[] }>();
  const results: GenerationResult[] = [];
  for await (const event of events) {
    const index = event.index ?? 0;
    const choice = partial.get(index) ?? { text: '', tokenIds: [] };
    partial.set(index, choice);
    choice.text += event.text;
    if (event.type === 'token-delta') choice.tokenIds.push(event.tokenId);
    else results[index] = { ...choice, finishReason: event.finishReason, promptTokenCount: event.promptTokenCount };
  }
  if (results.filter(Boolean).length !== count)
    throw new GenerationOptionsError('generation ended without a generation-end event.');
  return results;
}

/** Reads and checks `aquila-config.json`. */
export async function readConvertedModelConfig(directory: string): Promise<ConvertedModelConfig> {
  const file = join(directory, 'aquila-config.json');
  let config: unknown;
  try {
    config = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ModelConfigError(
      `${file}: cannot read the converted model's config (${(error as Error).message}); convert the checkpoint with \`aquila convert\` first.`,
      { cause: error },
    );
  }
  const candidate = config as Partial<ConvertedModelConfig> | null;
  if (
    candidate?.format !== 'aquila-onnx-decoder' ||
    typeof candidate.version !== 'number' ||
    typeof candidate.shape !== 'object' ||
    typeof candidate.model !== 'string'
  ) {
    throw new ModelConfigError(`${file}: not an aquila-onnx-decoder config.`);
  }
  checkConvertedModelVersion(candidate.version, file);
  if (candidate.cacheLayout === 'present-outputs') {
    throw new ModelConfigError(
      `${file}: this model was converted with cacheLayout "present-outputs" for other runtimes (transformers.js, onnxruntime-genai); convert again without it to run it here.`,
    );
  }
  return candidate as ConvertedModelConfig;
}

/**
 * A converted decoder ready to generate: one onnxruntime session and a batch scheduler, so that
 * concurrent `generate`/`stream` calls share decode steps.
 */
export class LanguageModel {
  private constructor(
    readonly config: ConvertedModelConfig,
    readonly tokenizer: GenerationTokenizer | undefined,
    private readonly decoder: OnnxDecoder,
    private readonly scheduler: BatchScheduler,
    /**
     * How chat messages become this model's prompt: the folder's chat template (`tokenizer_config.json` or
     * `chat_template.jinja`, kept from the checkpoint), else FlagAI's format for an Aquila model (BOS `[CLS]`,
     * 100006); undefined for a model with neither.
     */
    readonly chatTemplate: ChatTemplate | undefined,
  ) {}

  static async load(options: LoadLanguageModelOptions): Promise<LanguageModel> {
    const maxBatchSize = options.maxBatchSize ?? 8;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1)
      throw new GenerationOptionsError(`maxBatchSize must be a positive integer, got ${maxBatchSize}.`);
    const prefillChunkSize = options.prefillChunkSize ?? 128;
    if (!Number.isInteger(prefillChunkSize) || prefillChunkSize < 1)
      throw new GenerationOptionsError(`prefillChunkSize must be a positive integer, got ${prefillChunkSize}.`);
    const config = await readConvertedModelConfig(options.path);
    const tokenizer =
      options.tokenizer === undefined
        ? config.tokenizerFiles.length > 0
          ? await loadTokenizer({ path: options.path })
          : undefined
        : (options.tokenizer ?? undefined);
    // Read before the session opens, so that a template that does not parse leaves nothing to release.
    const chatTemplate =
      (await readChatTemplate({ directory: options.path })) ??
      (config.bosTokenId === aquilaSpecialTokenIds.bos ? flagaiChatTemplate : undefined);
    const decoder = await OnnxDecoder.create({
      modelPath: join(options.path, config.model),
      shape: config.shape,
      threads: options.threads,
    });
    const scheduler = new BatchScheduler({
      decoder,
      shape: config.shape,
      maxBatchSize,
      prefillChunkSize,
      tokenizer,
      cachePrecision: config.cachePrecision,
    });
    return new LanguageModel(config, tokenizer, decoder, scheduler, chatTemplate);
  }

  /** How busy the model is: sequences decoding now, and requests queued behind a full batch (for metrics and back-pressure). */
  get load(): { running: number; waiting: number } {
    return this.scheduler.load;
  }

  private promptIds(request: GenerationRequest): readonly number[] {
    if (request.promptIds) return request.promptIds;
    if (request.prompt === undefined)
      throw new GenerationOptionsError('a request needs `prompt` (text) or `promptIds`.');
    if (!this.tokenizer)
      throw new GenerationOptionsError(
        'a text `prompt` needs a tokenizer: pass `tokenizer` to LanguageModel.load, or send `promptIds`.',
      );
    // A text prompt starts as its tokenizer files ask (`promptStartIds`: Mistral's `<s>`, nothing for Aquila).
    return [...(this.tokenizer.promptStartIds ?? []), ...this.tokenizer.encode(request.prompt)];
  }

  /** Prompt tokens prefilled since the model was loaded (a prompt shared by n choices counts once): for metrics. */
  get prefilledTokens(): number {
    return this.scheduler.prefilledTokens;
  }

  /** Checks a request against the model and fills in its defaults. */
  private scheduled(request: GenerationRequest): ScheduledRequest {
    const { shape, generation } = this.config;
    const promptIds = this.promptIds(request);
    if (promptIds.length === 0) throw new GenerationOptionsError('the prompt is empty; give at least one token.');
    if (promptIds.length >= shape.maxPositions) {
      throw new GenerationOptionsError(
        `the prompt has ${promptIds.length} tokens, which leaves no room in the model's context of ${shape.maxPositions}; shorten it.`,
      );
    }
    const badId = promptIds.find((id) => !Number.isInteger(id) || id < 0 || id >= shape.vocabSize);
    if (badId !== undefined)
      throw new GenerationOptionsError(
        `prompt token id ${badId} is outside the vocabulary (0…${shape.vocabSize - 1}).`,
      );
    const options = {
      temperature: generation.temperature,
      topK: generation.topK,
      topP: generation.topP,
      repetitionPenalty: generation.repetitionPenalty,
      ...Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined)),
    };
    validateSamplingOptions(options);
    const topLogprobs = request.topLogprobs ?? 0;
    if (!Number.isInteger(topLogprobs) || topLogprobs < 0 || topLogprobs > 100)
      throw new GenerationOptionsError(`topLogprobs must be an integer from 0 to 100, got ${topLogprobs}.`);
    const maxNewTokens = request.maxNewTokens ?? generation.maxNewTokens;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1)
      throw new GenerationOptionsError(`maxNewTokens must be a positive integer, got ${maxNewTokens}.`);
    const stopStrings = request.stopStrings ?? generation.stopStrings;
    if (stopStrings.length > 0 && !this.tokenizer)
      throw new GenerationOptionsError(
        'stop strings need a tokenizer to see the text; pass `tokenizer` to LanguageModel.load.',
      );
    request.signal?.throwIfAborted();
    return {
      promptIds,
      maxNewTokens,
      options,
      stopTokenIds: new Set(request.stopTokenIds ?? generation.stopTokenIds),
      stopStrings,
    };
  }

  /** Streams a generation token by token: `token-delta` events, then one `generation-end`. */
  async *stream(request: GenerationRequest): AsyncGenerator<GenerationEvent> {
    yield* this.scheduler.submit(this.scheduled(request));
  }

  /**
   * Streams `n` choices of one prompt, their events interleaved and tagged with `index`; each choice ends with
   * its own `generation-end`. The prompt is prefilled once; choice i is sampled with seed `(seed ?? 0) + i`
   * and equals `generate({ ...request, seed: seed + i })`. Aborting the signal (or leaving the loop) ends all.
   */
  async *streamChoices(request: ChoicesRequest): AsyncGenerator<ChoiceEvent> {
    const { n, ...rest } = request;
    if (!Number.isInteger(n) || n < 1 || n > maxChoices)
      throw new GenerationOptionsError(
        `n (the number of choices) must be an integer from 1 to ${maxChoices}, got ${n}.`,
      );
    yield* this.scheduler.submitChoices(this.scheduled(rest), n);
  }

  /** Generates to the end and returns the text and ids. */
  async generate(request: GenerationRequest): Promise<GenerationResult> {
    const [result] = await collectResults(this.stream(request), 1);
    return result as GenerationResult;
  }

  /** Generates `n` choices to the end (see `streamChoices`) and returns them in index order. */
  async generateChoices(request: ChoicesRequest): Promise<GenerationResult[]> {
    return collectResults(this.streamChoices(request), request.n);
  }

  /** Frees the onnxruntime session. */
  async release(): Promise<void> {
    await this.decoder.release();
  }
}
