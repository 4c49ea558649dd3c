import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigError } from '../errors.js';
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
});
