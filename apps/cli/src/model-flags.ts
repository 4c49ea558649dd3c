import { readFile } from 'node:fs/promises';
import type { OpenModelOptions, SqlGenerationSettings, SqlPromptTemplate } from '@aquila/text-to-sql';
import type { Command } from 'commander';
import * as v from 'valibot';
import { numberFlag } from './flag-parser.js';
import { integerFlag } from './integer-flag.js';

/** The flags that pick a model for `aquila sql` and `aquila predict`: a local folder or an OpenAI-compatible endpoint. */
export interface ModelFlags {
  model?: string;
  endpoint?: string;
  apiKey?: string;
  modelName?: string;
  threads?: number;
  retries?: number;
  preset: string;
  template?: string;
  maxNewTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
}

export function addModelFlags(command: Command, defaultPreset: string): Command {
  return command
    .option('--model <dir>', 'converted model folder (aquila convert), run locally')
    .option('--endpoint <url>', 'or an OpenAI-compatible server (aquila serve, vLLM, llama.cpp): http://host:port/v1')
    .option('--api-key <key>', 'endpoint API key (Bearer)')
    .option('--model-name <name>', "endpoint model name (default: the server's first model)")
    .option('--retries <n>', 'endpoint retries per request (429, 5xx, network)', integerFlag('retry count', 0))
    .option('--threads <n>', 'local model: onnxruntime threads', integerFlag('thread count', 1))
    .option(
      '--preset <name>',
      'generation preset: greedy, flagai (BOS + prompt, T 0.9, top-k 1000, top-p 0.95, seed 1234), or sampled (T 0.8, top-p 0.95, seed 0: for --samples)',
      defaultPreset,
    )
    .option('--max-new-tokens <n>', 'most tokens to generate (default 256)', integerFlag('token count', 1))
    .option(
      '--temperature <t>',
      "sampling temperature, over the preset's (0 = greedy)",
      numberFlag('not a valid temperature; use a number from 0 to 2.', v.minValue(0), v.maxValue(2)),
    )
    .option(
      '--top-p <p>',
      "nucleus sampling mass, over the preset's",
      numberFlag('not a valid top-p; use a number > 0 and ≤ 1.', v.gtValue(0), v.maxValue(1)),
    )
    .option(
      '--seed <s>',
      "sampling seed, over the preset's (sample i of --samples gets seed + i)",
      integerFlag('seed', 0),
    )
    .option(
      '--template <file>',
      "custom prompt template with {question}, {database}, {schema}, {ddl}, {relations}, {evidence} (default: the AquilaSQL prompt; bird: mini_dev's prompt)",
    );
}

export function modelOptions(flags: ModelFlags, extra: Partial<OpenModelOptions> = {}): OpenModelOptions {
  const options = {
    path: flags.model,
    endpoint: flags.endpoint,
    apiKey: flags.apiKey,
    modelName: flags.modelName,
    threads: flags.threads,
    retries: flags.retries,
    ...extra,
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as OpenModelOptions;
}

export async function generationSettings(flags: ModelFlags): Promise<SqlGenerationSettings> {
  const { sqlGenerationPreset } = await import('@aquila/text-to-sql');
  const overrides = {
    maxNewTokens: flags.maxNewTokens,
    temperature: flags.temperature,
    topP: flags.topP,
    seed: flags.seed,
  };
  return {
    ...sqlGenerationPreset(flags.preset),
    ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)),
  };
}

export async function promptTemplate(
  flags: ModelFlags,
): Promise<{ template?: SqlPromptTemplate; templateFile?: string }> {
  if (flags.template === undefined) return {};
  const { customTemplate } = await import('@aquila/text-to-sql');
  return {
    template: customTemplate(await readFile(flags.template, 'utf8'), flags.template),
    templateFile: flags.template,
  };
}
