import { halfToInterleavedRotation } from '../../src/checkpoint/weight-names.js';
import { type LayerWeight, layerWeightName, type ModelShape, modelWeightName } from '../../src/index.js';
import { type GgmlType, quantizeGgmlBlocks } from './ggml-blocks.js';
import { type GgufTensor, type GgufValue, writeGguf } from './write-gguf.js';

export interface WriteLlamaGgufOptions {
  path: string;
  shape: ModelShape;
  /** The weights by Hugging Face name, in HF's layout: what `writeRandomCheckpoint({ naming: 'hf' })` returns. */
  weights: ReadonlyMap<string, Float32Array>;
  /** The projections' and head's type; norms and the token embedding stay F32, as in our converter's output. */
  type: GgmlType;
}

/** llama.cpp's names for the layer weights (`blk.N.…`, as convert_hf_to_gguf.py writes them). */
const ggufLayerNames: Readonly<Record<LayerWeight, string>> = {
  attentionNorm: 'attn_norm',
  query: 'attn_q',
  key: 'attn_k',
  value: 'attn_v',
  attentionOutput: 'attn_output',
  feedForwardNorm: 'ffn_norm',
  gate: 'ffn_gate',
  up: 'ffn_up',
  down: 'ffn_down',
};

/** `general.file_type` (llama_ftype) of a file whose projections are of this type. */
const fileTypes: Readonly<Record<GgmlType, number>> = { F32: 0, Q4_0: 2, Q8_0: 7 };

/** The special tokens and the 256 byte tokens every vocabulary here starts with (SentencePiece's layout). */
const specialTokenCount = 3;
const firstPlainToken = specialTokenCount + 256;

/**
 * A SentencePiece-style vocabulary of `size` tokens that llama.cpp's `llama` tokenizer loads: `<unk>`, `<s>`,
 * `</s>` (ids 0–2, as the random checkpoint's config names them), the byte tokens `<0x00>`…`<0xFF>`, then
 * distinct plain pieces. The bench feeds token ids, so only its size and special ids matter.
 */
function vocabularyMetadata(size: number): [string, GgufValue][] {
  if (size < firstPlainToken) throw new Error(`the vocabulary needs at least ${firstPlainToken} tokens, got ${size}.`);
  const tokens = ['<unk>', '<s>', '</s>'];
  for (let byte = 0; byte < 256; byte++) tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
  for (let id = firstPlainToken; id < size; id++) tokens.push(`▁t${id}`);
  // llama_token_type: 1 normal, 2 unknown, 3 control, 6 byte.
  const types = tokens.map((_, id) => (id === 0 ? 2 : id < specialTokenCount ? 3 : id < firstPlainToken ? 6 : 1));
  const scores = tokens.map((_, id) => (id < firstPlainToken ? 0 : -id));
  return [
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'array', elementType: 'string', values: tokens }],
    ['tokenizer.ggml.scores', { type: 'array', elementType: 'float32', values: scores }],
    ['tokenizer.ggml.token_type', { type: 'array', elementType: 'int32', values: types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'uint32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ];
}

/**
 * Writes a llama-architecture GGUF holding the same weights as a HF LLaMA checkpoint, the way
 * convert_hf_to_gguf.py lays them out: llama.cpp's names, and the query and key rows permuted from HF's
 * rotate-half order back to the interleaved RoPE pairs llama.cpp's `llama` rope rotates (its `permute`).
 * A bench tool: the same random weights run through llama.cpp beside our runtime.
 */
export async function writeLlamaGguf(options: WriteLlamaGgufOptions): Promise<void> {
  const { shape, weights, type } = options;
  const tensor = (name: string): Float32Array => {
    const values = weights.get(name);
    if (!values) throw new Error(`the weights have no tensor "${name}".`);
    return values;
  };
  const tensors: GgufTensor[] = [];
  const add = (name: string, dimensions: number[], values: Float32Array, tensorType: GgmlType): void => {
    tensors.push({ name, dimensions, type: tensorType, data: quantizeGgmlBlocks({ values, type: tensorType }) });
  };
  const { hiddenSize: hidden, vocabSize } = shape;
  add('token_embd.weight', [hidden, vocabSize], tensor(modelWeightName('hf', 'embedding')), 'F32');
  for (let layer = 0; layer < shape.layerCount; layer++) {
    for (const [weight, ggufName] of Object.entries(ggufLayerNames) as [LayerWeight, string][]) {
      let values = tensor(layerWeightName('hf', layer, weight));
      const name = `blk.${layer}.${ggufName}.weight`;
      if (weight === 'attentionNorm' || weight === 'feedForwardNorm') {
        add(name, [hidden], values, 'F32');
        continue;
      }
      if (weight === 'query') values = halfToInterleavedRotation(values, shape.headCount, shape.headSize);
      if (weight === 'key') values = halfToInterleavedRotation(values, shape.keyValueHeadCount, shape.headSize);
      // HF's Linear weight is [out, in] row-major: ggml's ne = [in, out] over the same bytes.
      const inputs =
        weight === 'down'
          ? shape.intermediateSize
          : weight === 'attentionOutput'
            ? shape.headCount * shape.headSize
            : hidden;
      add(name, [inputs, values.length / inputs], values, type);
    }
  }
  add('output_norm.weight', [hidden], tensor(modelWeightName('hf', 'finalNorm')), 'F32');
  if (!shape.tiedEmbeddings)
    add('output.weight', [hidden, vocabSize], tensor(modelWeightName('hf', 'languageModelHead')), type);
  const scalar = (value: number): GgufValue => ({ type: 'uint32', value });
  await writeGguf({
    path: options.path,
    metadata: [
      ['general.architecture', { type: 'string', value: 'llama' }],
      ['general.name', { type: 'string', value: 'aquila-runtime-bench' }],
      ['general.file_type', scalar(fileTypes[type])],
      ['llama.vocab_size', scalar(vocabSize)],
      ['llama.context_length', scalar(shape.maxPositions)],
      ['llama.embedding_length', scalar(hidden)],
      ['llama.block_count', scalar(shape.layerCount)],
      ['llama.feed_forward_length', scalar(shape.intermediateSize)],
      ['llama.attention.head_count', scalar(shape.headCount)],
      ['llama.attention.head_count_kv', scalar(shape.keyValueHeadCount)],
      ['llama.attention.key_length', scalar(shape.headSize)],
      ['llama.attention.value_length', scalar(shape.headSize)],
      ['llama.rope.dimension_count', scalar(shape.headSize)],
      ['llama.rope.freq_base', { type: 'float32', value: shape.ropeTheta }],
      ['llama.attention.layer_norm_rms_epsilon', { type: 'float32', value: shape.rmsNormEpsilon }],
      ...vocabularyMetadata(vocabSize),
    ],
    tensors,
  });
}
