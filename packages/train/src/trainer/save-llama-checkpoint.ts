import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSafetensors } from '@aquila/runtime';
import type { LlamaModel } from './llama-model.js';

/**
 * Saves a model as Hugging Face LLaMA: `model.safetensors` (F32, HF tensor names) and `config.json`
 * (`LlamaForCausalLM`), which @aquila/runtime reads and converts.
 */
export async function saveLlamaCheckpoint(options: { model: LlamaModel; directory: string; bosTokenId?: number; eosTokenId?: number }): Promise<void> {
  const { model, directory } = options;
  const { shape } = model;
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `model.safetensors.${process.pid}.tmp`);
  await writeSafetensors({ path: temporary, tensors: model.parameters.map(({ name, shape: dims, values }) => ({ name, dtype: 'F32', shape: dims, values })), metadata: { format: 'pt' } });
  await rename(temporary, join(directory, 'model.safetensors'));
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: shape.vocabSize,
    hidden_size: shape.hiddenSize,
    intermediate_size: shape.intermediateSize,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    num_key_value_heads: shape.heads,
    max_position_embeddings: shape.maxPositions,
    rms_norm_eps: shape.rmsNormEpsilon,
    rope_theta: shape.ropeTheta,
    hidden_act: 'silu',
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    ...(options.bosTokenId === undefined ? {} : { bos_token_id: options.bosTokenId }),
    ...(options.eosTokenId === undefined ? {} : { eos_token_id: options.eosTokenId }),
  };
  await writeFile(join(directory, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}
