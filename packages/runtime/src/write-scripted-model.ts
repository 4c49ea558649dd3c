import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TensorToWrite, writeSafetensors } from '@aquila/formats';
import { aquilaSpecialTokenIds } from '@aquila/prompts';
import { loadAquilaTokenizer, writeTokenizerFiles } from '@aquila/tokenizer';
import { layerWeightName, modelWeightName } from './checkpoint/weight-names.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { ModelConfigError } from './errors.js';

/**
 * After the last token of `after`, greedy decoding writes `output` and then EOS (or loops back when `loop`).
 * A script without `after` answers every prompt that no other script continues.
 */
export interface Script {
  after?: string;
  output: string;
  /** Instead of EOS, the output's last token leads back to its first: generation runs to its token limit. */
  loop?: boolean;
}

export interface WriteScriptedModelOptions {
  /** What the model says; at most one script without `after`, and 64 distinct tokens in all. */
  scripts: readonly Script[];
  /** Written to the checkpoint as `tokenizer_config.json` (kept by the conversion): a chat template and its special tokens. */
  tokenizerConfig?: Readonly<Record<string, unknown>>;
}

export interface ScriptedModel {
  /** The converted folder (with the Aquila tokenizer files), for `LanguageModel.load` or `aquila serve --model`. */
  path: string;
  /** Removes the model's temporary folder. */
  remove: () => Promise<void>;
}

const hidden = 64;
const vocabSize = 100008;

/**
 * Writes and converts a real one-layer Aquila-vocabulary decoder whose weights make it a bigram table:
 * the attention and MLP outputs are zero, so each position's hidden state is its token's embedding, a
 * one-hot slot, and the LM head maps that slot to the scripted next token. Tests then know the exact text
 * the runtime generates (SQL that parses and runs, stop strings that span tokens, endless loops), through
 * the whole path of conversion, onnxruntime, scheduler and tokenizer. Every token outside the scripts shares
 * one slot: it leads to the script without `after` when there is one; otherwise its logits are all zero
 * (greedy picks id 0, sampling is uniform over the vocabulary).
 */
export async function writeScriptedModel(options: WriteScriptedModelOptions): Promise<ScriptedModel> {
  const tokenizer = await loadAquilaTokenizer();
  const next = new Map<number, number>();
  const link = (from: number, to: number): void => {
    const existing = next.get(from);
    if (existing !== undefined && existing !== to)
      throw new ModelConfigError(
        `The scripts disagree after token ${from} (${JSON.stringify(tokenizer.decode([from]))}): ${existing} or ${to}; give them different tokens.`,
      );
    next.set(from, to);
  };
  let otherwise: number | undefined;
  for (const script of options.scripts) {
    const output = tokenizer.encode(script.output);
    const end = script.loop ? (output[0] as number) : aquilaSpecialTokenIds.eos;
    if (script.after === undefined) {
      if (otherwise !== undefined)
        throw new ModelConfigError('Only one script may answer every prompt: give the others an `after`.');
      otherwise = output[0] ?? end;
    }
    const chain =
      script.after === undefined
        ? output
        : [tokenizer.encode(script.after.replace(/\n+/g, '\n')).at(-1) as number, ...output];
    chain.forEach((token, index) => link(token, chain[index + 1] ?? end));
  }
  const slots = next.size + (otherwise === undefined ? 0 : 1);
  if (slots > hidden)
    throw new ModelConfigError(
      `The scripts need ${slots} slots (one per distinct token, one for every other token); the scripted model has ${hidden}: shorten them.`,
    );
  const shape = { headCount: 4, keyValueHeadCount: 4, headSize: 16, intermediateSize: 128, layerCount: 1 };
  const embedding = new Float32Array(vocabSize * hidden);
  const head = new Float32Array(vocabSize * hidden);
  [...next].forEach(([from, to], slot) => {
    embedding[from * hidden + slot] = 1;
    head[to * hidden + slot] = 4;
  });
  // One more slot for every other token, leading to the answer for any prompt.
  if (otherwise !== undefined) {
    const slot = next.size;
    for (let token = 0; token < vocabSize; token += 1) if (!next.has(token)) embedding[token * hidden + slot] = 1;
    head[otherwise * hidden + slot] = 4;
  }
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

  const directory = await mkdtemp(join(tmpdir(), 'aquila-scripted-model-'));
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
    bos_token_id: aquilaSpecialTokenIds.bos,
    eos_token_id: aquilaSpecialTokenIds.eos,
    pad_token_id: aquilaSpecialTokenIds.pad,
  };
  await writeFile(join(checkpoint, 'config.json'), JSON.stringify(config));
  // The tokenizer files are written from the packaged Aquila tokenizer, the one the scripts were encoded with.
  await writeTokenizerFiles({ tokenizer, directory: checkpoint });
  if (options.tokenizerConfig)
    await writeFile(join(checkpoint, 'tokenizer_config.json'), JSON.stringify(options.tokenizerConfig));
  const path = join(directory, 'scripted-model');
  await convertCheckpoint({ checkpoint, output: path });
  await rm(checkpoint, { recursive: true, force: true });
  return { path, remove: () => rm(directory, { recursive: true, force: true }) };
}
