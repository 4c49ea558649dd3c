import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigError, UnsupportedModelError } from '../errors.js';
import { temporaryDirectory } from '../test-support/tiny-models.js';
import { readModelConfig } from './model-config.js';

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('model-config');
});
afterAll(async () => {
  await workspace.remove();
});

const huggingFace = {
  hidden_size: 64,
  intermediate_size: 192,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  vocab_size: 96,
  max_position_embeddings: 48,
};

async function configError(name: string, text: string): Promise<unknown> {
  const directory = join(workspace.path, name);
  await import('node:fs/promises').then(({ mkdir }) => mkdir(directory));
  await writeFile(join(directory, name.startsWith('params') ? 'params.json' : 'config.json'), text);
  return readModelConfig({ directory }).catch((caught: unknown) => caught);
}

describe('readModelConfig', () => {
  it('names a value nested 100,000 deep without overflowing the stack', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const error = await configError(
      'deep',
      JSON.stringify(huggingFace).replace('"hidden_size":64', `"hidden_size":${deep}`),
    );
    expect(ModelConfigError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /config\.json: "hidden_size" must be a positive integer, got an array of 1 item/,
    );
  });

  it('refuses a context too long to build rotary tables for, before any conversion allocates them', async () => {
    const error = await configError(
      'long-context',
      JSON.stringify({ ...huggingFace, max_position_embeddings: 1_000_000_000 }),
    );
    expect(ModelConfigError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /a context of 1000000000 positions with head size 16 needs rotary tables of 16000000000 values.*check max_position_embeddings/,
    );
  });

  it('refuses a feed-forward size that works out to zero or less', async () => {
    const error = await configError(
      'params-negative',
      JSON.stringify({ dim: 64, n_heads: 4, n_layers: 2, vocab_size: 96, ffn_dim_multiplier: -1 }),
    );
    expect(ModelConfigError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /params\.json: the feed-forward size works out to 0 \(from dim, multiple_of and ffn_dim_multiplier -1\)/,
    );
  });

  const refusals: [string, Record<string, unknown>, string, RegExp][] = [
    ['model-type', { model_type: 'gemma' }, 'model_type', /"model_type" "gemma" is not a model this converter knows/],
    ['activation', { hidden_act: 'gelu' }, 'hidden_act', /"hidden_act" "gelu" is not SiLU/],
    ['attention-bias', { attention_bias: true }, 'attention_bias', /q\/k\/v\/o projections/],
    ['mlp-bias', { mlp_bias: true }, 'mlp_bias', /feed-forward projections/],
    [
      'quantized',
      { quantization_config: { quant_method: 'gptq' } },
      'quantization_config',
      /"gptq" marks pre-quantised/,
    ],
    ['partial-rotary', { partial_rotary_factor: 0.5 }, 'partial_rotary_factor', /rotates part of each head/],
    ['yarn', { rope_scaling: { type: 'yarn', factor: 4 } }, 'rope_scaling.type', /"yarn" is a RoPE scaling/],
    [
      'longrope-v5',
      { rope_parameters: { rope_type: 'longrope', rope_theta: 10000 } },
      'rope_parameters.rope_type',
      /"longrope"/,
    ],
    [
      'dynamic-original',
      { rope_scaling: { rope_type: 'dynamic', factor: 2, original_max_position_embeddings: 16 } },
      'rope_scaling.original_max_position_embeddings',
      /dynamic NTK scaling and max_position_embeddings 48/,
    ],
    [
      'qwen2-window',
      { model_type: 'qwen2', use_sliding_window: true, sliding_window: 16, max_window_layers: 1 },
      'use_sliding_window',
      /limits attention in the layers from max_window_layers on/,
    ],
    [
      'params-scaled',
      { dim: 64, n_heads: 4, n_layers: 2, vocab_size: 96, use_scaled_rope: true },
      'use_scaled_rope',
      /params\.json: "use_scaled_rope" true/,
    ],
  ];
  it.each(refusals)('refuses a computation it does not implement by name: %s', async (name, keys, key, message) => {
    const error = await configError(
      name.startsWith('params') ? `params-${name}` : name,
      JSON.stringify(name.startsWith('params') ? keys : { ...huggingFace, ...keys }),
    );
    expect(UnsupportedModelError.isInstance(error), String(error)).toBe(true);
    expect((error as UnsupportedModelError).key).toBe(key);
    expect((error as Error).message).toMatch(message);
  });

  it('reads the architecture: Mistral windows only where they cut the context, v5 rope_parameters, eos lists', async () => {
    const read = async (name: string, keys: Record<string, unknown>) => {
      const directory = join(workspace.path, name);
      await mkdir(directory);
      await writeFile(join(directory, 'config.json'), JSON.stringify({ ...huggingFace, ...keys }));
      return readModelConfig({ directory });
    };
    expect((await read('mistral-cut', { model_type: 'mistral', sliding_window: 16 })).shape.slidingWindow).toBe(16);
    expect((await read('mistral-long', { model_type: 'mistral', sliding_window: 4096 })).shape.slidingWindow).toBe(
      undefined,
    );
    expect((await read('mistral-null', { model_type: 'mistral', sliding_window: null })).shape.slidingWindow).toBe(
      undefined,
    );
    // MistralConfig's default window (4096) is longer than this context.
    expect((await read('mistral-default', { model_type: 'mistral' })).shape.slidingWindow).toBe(undefined);
    const qwen = await read('qwen', { model_type: 'qwen2', use_sliding_window: false, sliding_window: 16 });
    expect(qwen.shape).toMatchObject({ queryKeyValueBias: true });
    expect(qwen.shape.slidingWindow).toBe(undefined);
    const v5 = await read('v5', { rope_parameters: { rope_type: 'linear', factor: 2, rope_theta: 5e5 } });
    expect(v5.shape).toMatchObject({ ropeTheta: 5e5, ropeScaling: { type: 'linear', factor: 2 } });
    const llama3 = await read('eos', { eos_token_id: [128001, 128008, 128009] });
    expect(llama3.eosTokenId).toBe(128001);
    expect(llama3.eosTokenIds).toEqual([128001, 128008, 128009]);
    expect(llama3.modelType).toBe('llama');
    expect((await read('aquila', { model_type: 'aquila', hidden_act: 'swish' })).modelType).toBe('aquila');
  });
});
