import * as ort from 'onnxruntime-node';
import type { ModelShape } from '../checkpoint/model-config.js';
import { ModelRunError } from '../errors.js';
import { decoderNames } from '../onnx/decoder-graph.js';
import { attentionBiases } from './attention-bias.js';
import type { CacheBuffer, KeyValueCache } from './key-value-cache.js';

/** A cache buffer as a graph input: float16 bits or float32 values, zero-copy. */
function cacheTensor(data: CacheBuffer, dims: number[]): ort.Tensor {
  return data instanceof Uint16Array ? new ort.Tensor('float16', data, dims) : new ort.Tensor('float32', data, dims);
}

export interface DecoderStepRow {
  /** The new tokens of this sequence (several for a prefill, one for a decode step). */
  tokenIds: readonly number[];
  /** How many positions the sequence already holds in the cache. */
  pastLength: number;
}

export interface OnnxDecoderOptions {
  modelPath: string;
  shape: ModelShape;
  /** Intra-op threads; default: onnxruntime's choice (all cores). */
  threads?: number;
}

export interface DecoderStepOptions {
  /** Fetch each row's logits (default true); without them only the greedy `nextTokens` come back, which spares copying the vocabulary-sized logits out of onnxruntime. */
  logits?: boolean;
}

export interface DecoderStepResult {
  /** Each row's next-token logits (views of one buffer onnxruntime handed back); empty when not fetched. */
  logits: Float32Array[];
  /** Each row's most likely next token (the graph's argmax, first index on ties). */
  nextTokens: number[];
}

/** One onnxruntime session of a converted decoder graph, stepping sequences whose cache JS holds. */
export class OnnxDecoder {
  private readonly fetches: { withLogits: string[]; withoutLogits: string[] };

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly shape: ModelShape,
  ) {
    const rows = Array.from({ length: shape.layerCount }, (_, layer) => decoderNames.newKeyValue(layer));
    this.fetches = {
      withLogits: [decoderNames.logits, decoderNames.nextToken, ...rows],
      withoutLogits: [decoderNames.nextToken, ...rows],
    };
  }

  static async create(options: OnnxDecoderOptions): Promise<OnnxDecoder> {
    try {
      const session = await ort.InferenceSession.create(options.modelPath, {
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
        graphOptimizationLevel: 'all',
      });
      return new OnnxDecoder(session, options.shape);
    } catch (error) {
      throw new ModelRunError(
        `${options.modelPath}: onnxruntime cannot load the model (${(error as Error).message}).`,
        { cause: error },
      );
    }
  }

  /**
   * Runs the rows (all with the same token count) in cache slots `firstSlot…`, writes their new key
   * and value rows into the cache, and returns each row's next token and (unless told not to) logits.
   */
  async step(
    rows: readonly DecoderStepRow[],
    cache: KeyValueCache,
    firstSlot: number,
    options: DecoderStepOptions = {},
  ): Promise<DecoderStepResult> {
    const batch = rows.length;
    const length = rows[0]?.tokenIds.length ?? 0;
    const { keyValueHeadCount: heads, headSize, vocabSize } = this.shape;
    let total = 0;
    for (const row of rows) total = Math.max(total, row.pastLength + length);
    cache.reserve(firstSlot + batch, total);
    const inputIds = new BigInt64Array(batch * length);
    const positionIds = new BigInt64Array(batch * length);
    rows.forEach((row, index) => {
      for (let position = 0; position < length; position++) {
        inputIds[index * length + position] = BigInt(row.tokenIds[position] as number);
        positionIds[index * length + position] = BigInt(row.pastLength + position);
      }
    });
    // Each row's own cached positions, and causally within the step (both within the sliding window, if any).
    const biases = attentionBiases({
      pastLengths: rows.map((row) => row.pastLength),
      length,
      capacity: cache.capacity,
      groups: this.shape.headCount / heads,
      slidingWindow: this.shape.slidingWindow,
    });
    const feeds: Record<string, ort.Tensor> = {
      [decoderNames.inputIds]: new ort.Tensor('int64', inputIds, [batch, length]),
      [decoderNames.positionIds]: new ort.Tensor('int64', positionIds, [batch, length]),
      [decoderNames.attentionBiasPast]: new ort.Tensor('float32', biases.past.data, biases.past.dims),
      [decoderNames.attentionBiasNew]: new ort.Tensor('float32', biases.new.data, biases.new.dims),
    };
    for (let layer = 0; layer < this.shape.layerCount; layer++) {
      feeds[decoderNames.pastKey(layer)] = cacheTensor(cache.view(layer, 'key', firstSlot, batch), [
        batch,
        heads,
        headSize,
        cache.capacity,
      ]);
      feeds[decoderNames.pastValue(layer)] = cacheTensor(cache.view(layer, 'value', firstSlot, batch), [
        batch,
        heads,
        cache.capacity,
        headSize,
      ]);
    }
    const withLogits = options.logits ?? true;
    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await this.session.run(feeds, withLogits ? this.fetches.withLogits : this.fetches.withoutLogits);
    } catch (error) {
      throw new ModelRunError(
        `onnxruntime failed on a step of ${batch} sequence(s) × ${length} token(s) (${(error as Error).message}).`,
        { cause: error },
      );
    }
    for (let layer = 0; layer < this.shape.layerCount; layer++) {
      const newRows = outputs[decoderNames.newKeyValue(layer)]?.data as CacheBuffer;
      rows.forEach((row, index) =>
        cache.writeNewRows(layer, firstSlot + index, row.pastLength, newRows, index, length),
      );
    }
    const nextTokens = Array.from(outputs[decoderNames.nextToken]?.data as BigInt64Array, Number);
    if (!withLogits) return { logits: [], nextTokens };
    const logits = outputs[decoderNames.logits]?.data as Float32Array;
    // Views, not copies: onnxruntime-node already hands back a fresh buffer per run.
    return { logits: rows.map((_, index) => logits.subarray(index * vocabSize, (index + 1) * vocabSize)), nextTokens };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
