import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  convertCheckpoint,
  layerWeightName,
  modelWeightName,
  type TensorToWrite,
  writeSafetensors,
} from '@aquila/runtime';
import { fixturePath } from '@aquila/test-kit';
import { loadAquilaTokenizer, writeTokenizerFiles } from '@aquila/tokenizer';

/** A Spider dev database file by name. */
export const spiderDatabase = (name: string): string => fixturePath('spider-dev', 'database', name, `${name}.sqlite`);

/** After the last token of `after`, greedy decoding writes `output` and then EOS (or loops back when `loop`). */
export interface Script {
  after: string;
  output: string;
  /** Instead of EOS, the output's last token leads back to its first: generation runs to its token limit. */
  loop?: boolean;
}

export interface ScriptedModel {
  /** The converted folder (with the Aquila tokenizer files), for `LanguageModel.load` or `aquila serve --model`. */
  path: string;
  remove: () => Promise<void>;
}

const aquilaEos = 100007;
const hidden = 64;

/**
 * Writes and converts a real one-layer Aquila-vocabulary decoder whose weights make it a bigram table:
 * the attention and MLP outputs are zero, so each position's hidden state is its token's embedding, a
 * one-hot slot, and the LM head maps that slot to the scripted next token. Tests then know the exact text
 * the runtime generates (SQL that parses and runs, stop strings that span tokens, endless loops), through
 * the whole path of conversion, onnxruntime, scheduler and tokenizer. Tokens outside the scripts have
 * all-zero logits: greedy picks id 0, sampling is uniform over the vocabulary.
 */
export async function writeScriptedModel(scripts: readonly Script[]): Promise<ScriptedModel> {
  const tokenizer = await loadAquilaTokenizer();
  const vocabSize = 100008;
  const next = new Map<number, number>();
  const link = (from: number, to: number): void => {
    const existing = next.get(from);
    if (existing !== undefined && existing !== to)
      throw new Error(
        `scripts disagree after token ${from} (${JSON.stringify(tokenizer.decode([from]))}): ${existing} or ${to}.`,
      );
    next.set(from, to);
  };
  for (const script of scripts) {
    const key = tokenizer.encode(script.after.replace(/\n+/g, '\n')).at(-1) as number;
    const output = tokenizer.encode(script.output);
    [key, ...output].forEach((token, index, chain) =>
      link(token, chain[index + 1] ?? (script.loop ? (output[0] as number) : aquilaEos)),
    );
  }
  if (next.size > hidden)
    throw new Error(`the scripts use ${next.size} distinct tokens; the scripted model has room for ${hidden}.`);
  const shape = { headCount: 4, keyValueHeadCount: 4, headSize: 16, intermediateSize: 128, layerCount: 1 };
  const embedding = new Float32Array(vocabSize * hidden);
  const head = new Float32Array(vocabSize * hidden);
  [...next].forEach(([from, to], slot) => {
    embedding[from * hidden + slot] = 1;
    head[to * hidden + slot] = 4;
  });
  const ones = new Float32Array(hidden).fill(1);
  const zeros = (rows: number, columns: number): Float32Array => new Float32Array(rows * columns);
  const attention = shape.headCount * shape.headSize;
  const tensors: TensorToWrite[] = [
    { name: modelWeightName('hf', 'embedding'), shape: [vocabSize, hidden], values: embedding },
    { name: layerWeightName('hf', 0, 'attentionNorm'), shape: [hidden], values: ones },
    { name: layerWeightName('hf', 0, 'query'), shape: [attention, hidden], values: zeros(attention, hidden) },
    { name: layerWeightName('hf', 0, 'key'), shape: [attention, hidden], values: zeros(attention, hidden) },
    { name: layerWeightName('hf', 0, 'value'), shape: [attention, hidden], values: zeros(attention, hidden) },
    { name: layerWeightName('hf', 0, 'attentionOutput'), shape: [hidden, attention], values: zeros(hidden, attention) },
    { name: layerWeightName('hf', 0, 'feedForwardNorm'), shape: [hidden], values: ones },
    {
      name: layerWeightName('hf', 0, 'gate'),
      shape: [shape.intermediateSize, hidden],
      values: zeros(shape.intermediateSize, hidden),
    },
    {
      name: layerWeightName('hf', 0, 'up'),
      shape: [shape.intermediateSize, hidden],
      values: zeros(shape.intermediateSize, hidden),
    },
    {
      name: layerWeightName('hf', 0, 'down'),
      shape: [hidden, shape.intermediateSize],
      values: zeros(hidden, shape.intermediateSize),
    },
    { name: modelWeightName('hf', 'finalNorm'), shape: [hidden], values: ones },
    { name: modelWeightName('hf', 'languageModelHead'), shape: [vocabSize, hidden], values: head },
  ].map((tensor) => ({ ...tensor, dtype: 'F32' as const }));

  const directory = await mkdtemp(join(tmpdir(), 'aquila-server-model-'));
  const checkpoint = join(directory, 'checkpoint');
  await mkdir(checkpoint);
  await writeSafetensors({ path: join(checkpoint, 'model.safetensors'), tensors, metadata: { format: 'pt' } });
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: hidden,
    intermediate_size: shape.intermediateSize,
    num_hidden_layers: shape.layerCount,
    num_attention_heads: shape.headCount,
    num_key_value_heads: shape.keyValueHeadCount,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    max_position_embeddings: 2048,
    vocab_size: vocabSize,
    tie_word_embeddings: false,
    bos_token_id: 100006,
    eos_token_id: aquilaEos,
    pad_token_id: 0,
  };
  await writeFile(join(checkpoint, 'config.json'), JSON.stringify(config));
  // The tokenizer files are written from the packaged Aquila tokenizer, the one the scripts were encoded with.
  await writeTokenizerFiles({ tokenizer, directory: checkpoint });
  const path = join(directory, 'scripted-model');
  await convertCheckpoint({ checkpoint, output: path });
  await rm(checkpoint, { recursive: true, force: true });
  return { path, remove: () => rm(directory, { recursive: true, force: true }) };
}
