import { LanguageModel } from '@aquila/runtime';
import { TextToSqlOptionsError } from './errors.js';
import { createOpenAiModel, type OpenAiModelOptions } from './openai-model.js';
import type { TextToSqlModel } from './text-to-sql-model.js';

export interface OpenModelOptions extends Partial<Omit<OpenAiModelOptions, 'endpoint'>> {
  /** A converted model folder (`aquila convert`), run by @aquila/runtime. */
  path?: string;
  /** Or an OpenAI-compatible server's URL. */
  endpoint?: string;
  /** Local runtime: onnxruntime threads. */
  threads?: number;
  /** Local runtime: most sequences decoded together. Default 8. */
  maxBatchSize?: number;
}

export interface OpenedModel {
  model: TextToSqlModel;
  /** What a run record says about the model. */
  description: { kind: 'local'; path: string } | { kind: 'endpoint'; endpoint: string; modelName: string };
  release(): Promise<void>;
}

/** The local runtime for a model folder, or a client for an endpoint: exactly one of `path` and `endpoint`. */
export async function openModel(options: OpenModelOptions): Promise<OpenedModel> {
  if ((options.path === undefined) === (options.endpoint === undefined))
    throw new TextToSqlOptionsError('give exactly one of a model folder (--model) and an endpoint (--endpoint).');
  if (options.path !== undefined) {
    const model = await LanguageModel.load({
      path: options.path,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    });
    if (model.tokenizer === undefined) {
      await model.release();
      throw new TextToSqlOptionsError(
        `${options.path} has no tokenizer files; convert the checkpoint with its tokenizer (tokenizer.json or vocab.json + merges.txt) so prompts can be encoded.`,
      );
    }
    return { model, description: { kind: 'local', path: options.path }, release: () => model.release() };
  }
  const { path: _, threads: __, maxBatchSize: ___, ...client } = options;
  const model = createOpenAiModel({ ...client, endpoint: options.endpoint as string });
  return {
    model,
    description: { kind: 'endpoint', endpoint: model.endpoint, modelName: await model.modelName() },
    release: async () => undefined,
  };
}
