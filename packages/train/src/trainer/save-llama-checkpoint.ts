import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createAtomicFile, writeFileAtomic } from '@aquila/files';
import { writeSafetensors } from '@aquila/formats';
import type { LlamaModel } from './llama-model.js';

/**
 * Saves a model as Hugging Face LLaMA: `model.safetensors` (F32, HF tensor names) and `config.json`
 * (`LlamaForCausalLM`), which @aquila/runtime reads and converts.
 */
export async function saveLlamaCheckpoint(options: {
  model: LlamaModel;
  directory: string;
  /**
   * When the model was trained on a compact vocabulary: the full token id of each compact id, and the
   * full vocabulary size. Embedding and head rows are scattered back; tokens never seen get zero rows.
   */
  vocabulary?: { ids: ArrayLike<number>; size: number };
  bosTokenId?: number;
  eosTokenId?: number;
}): Promise<void> {
  const { model, directory, vocabulary } = options;
  const shape = vocabulary === undefined ? model.shape : { ...model.shape, vocabSize: vocabulary.size };
  const width = model.shape.hiddenSize;
  const tensors = model.parameters.map(({ name, shape: dims, values }) => {
    if (vocabulary === undefined || (name !== 'model.embed_tokens.weight' && name !== 'lm_head.weight'))
      return { name, dtype: 'F32' as const, shape: dims, values };
    const full = new Float32Array(vocabulary.size * width);
    for (let compact = 0; compact < vocabulary.ids.length; compact += 1)
      full.set(values.subarray(compact * width, (compact + 1) * width), (vocabulary.ids[compact] as number) * width);
    return { name, dtype: 'F32' as const, shape: [vocabulary.size, width], values: full };
  });
  await mkdir(directory, { recursive: true });
  const weights = createAtomicFile({ path: join(directory, 'model.safetensors') });
  try {
    await writeSafetensors({ path: weights.temporaryPath, tensors, metadata: { format: 'pt' } });
    await weights.commit();
  } catch (error) {
    await weights.abort();
    throw error;
  }
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
  await writeFileAtomic({ path: join(directory, 'config.json'), data: `${JSON.stringify(config, null, 2)}\n` });
}
