import type { ProjectionWeights } from './decoder-graph.js';
import type { OnnxInitializer, OnnxNode } from './onnx-model.js';

export interface EmbeddingLookupOptions {
  /** The token embedding `[vocab, hidden]` as stored: float32 or float16 rows, or rows block-quantised along `hidden`. */
  weights: ProjectionWeights;
  vocabSize: number;
  hiddenSize: number;
  /** The quantisation block size (int8/int4). */
  blockSize: number;
  /** The token ids, `[batch, sequence]` int64. */
  inputIds: string;
  /** The float32 `[batch, sequence, hidden]` rows out. */
  output: string;
}

/**
 * The embedding lookup: `Gather` of float32 rows; `Gather` of float16 rows then `Cast` (the table stays half
 * size in memory: only the gathered rows are widened); or com.microsoft `GatherBlockQuantized` (onnxruntime's
 * CPU kernel, uint8 data with `bits` 4 or 8 and its default zero point 2^(bits−1)), whose rows are laid out
 * exactly as `MatMulNBits` stores the output head, `[vocab, hidden · bits / 8]` with one scale per block: a
 * tied head and embedding share their bytes.
 */
export function embeddingLookup(options: EmbeddingLookupOptions): {
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
} {
  const { weights, vocabSize, hiddenSize: hidden, inputIds, output } = options;
  const table = 'model.embed_tokens.weight';
  if (weights.kind === 'float')
    return {
      initializers: [{ name: table, elementType: 'float32', dims: [vocabSize, hidden], data: weights.data }],
      nodes: [{ opType: 'Gather', name: '/model/embed_tokens/Gather', inputs: [table, inputIds], outputs: [output] }],
    };
  if (weights.kind === 'half')
    return {
      initializers: [{ name: table, elementType: 'float16', dims: [vocabSize, hidden], data: weights.data }],
      nodes: [
        {
          opType: 'Gather',
          name: '/model/embed_tokens/Gather',
          inputs: [table, inputIds],
          outputs: ['/model/embed_tokens/half'],
        },
        {
          opType: 'Cast',
          name: '/model/embed_tokens/Cast',
          inputs: ['/model/embed_tokens/half'],
          outputs: [output],
          attributes: { to: { int: 1 } },
        },
      ],
    };
  const blocks = hidden / options.blockSize;
  return {
    initializers: [
      {
        name: `${table}_q`,
        elementType: 'uint8',
        dims: [vocabSize, (hidden * weights.bits) / 8],
        data: weights.packed,
      },
      { name: `${table}_scales`, elementType: 'float32', dims: [vocabSize, blocks], data: weights.scales },
    ],
    nodes: [
      {
        opType: 'GatherBlockQuantized',
        domain: 'com.microsoft',
        name: '/model/embed_tokens/GatherBlockQuantized',
        inputs: [`${table}_q`, inputIds, `${table}_scales`],
        outputs: [output],
        attributes: {
          gather_axis: { int: 0 },
          quantize_axis: { int: 1 },
          block_size: { int: options.blockSize },
          bits: { int: weights.bits },
        },
      },
    ],
  };
}
