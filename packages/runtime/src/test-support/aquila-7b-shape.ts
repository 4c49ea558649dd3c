import type { ModelShape } from '../checkpoint/model-config.js';

/** Aquila-7B: LLaMA-7B's widths (4096 hidden, 11008 FFN, 32 layers of 32 heads) with a 100,008-token vocabulary. */
export const aquila7bShape: ModelShape = {
  vocabSize: 100008,
  hiddenSize: 4096,
  intermediateSize: 11008,
  layerCount: 32,
  headCount: 32,
  keyValueHeadCount: 32,
  headSize: 128,
  rmsNormEpsilon: 1e-5,
  ropeTheta: 10000,
  maxPositions: 2048,
  tiedEmbeddings: false,
};
