import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerWeightName, layerWeights, modelWeightName } from './checkpoint/weight-names.js';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { dequantizeBlockwise, quantizeBlockwise } from './onnx/quantize-blockwise.js';
import { referenceForward } from './reference/reference-forward.js';
import { modelLogits as decodeLogits } from './test-support/model-logits.js';
import { argmax, maxAbsoluteDifference, temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';

const modelLogits = (directory: string) => decodeLogits({ directory, shape, tokens, promptLength });

const shape = tinyShapes.groupedWide;
const naming = 'flagai' as const;
const tokens = [4, 9, 33, 2, 61, 17, 8, 40, 12, 5];
const promptLength = 4;

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
let weights: Map<string, Float32Array>;
beforeAll(async () => {
  workspace = await temporaryDirectory('quantized');
  weights = await writeRandomCheckpoint({
    directory: join(workspace.path, 'checkpoint'),
    shape,
    naming,
    format: 'bin',
    seed: 11,
  });
});
afterAll(async () => {
  await workspace.remove();
});

/** The checkpoint's weights with every projection replaced by its quantise-dequantise round trip. */
function dequantizedWeights(bits: 4 | 8): Map<string, Float32Array> {
  const out = new Map(weights);
  const projections = [
    ...Array.from({ length: shape.layerCount }, (_, layer) =>
      layerWeights.filter((weight) => !weight.endsWith('Norm')).map((weight) => layerWeightName(naming, layer, weight)),
    ).flat(),
    modelWeightName(naming, 'languageModelHead'),
  ];
  for (const name of projections) {
    const values = weights.get(name) as Float32Array;
    const columns = name.includes('attention.wo')
      ? shape.headCount * shape.headSize
      : name.includes('w2')
        ? shape.intermediateSize
        : shape.hiddenSize;
    const options = { rows: values.length / columns, columns, bits, blockSize: 32 };
    out.set(name, dequantizeBlockwise(quantizeBlockwise({ weights: values, ...options }), options));
  }
  return out;
}

describe.each([8, 4] as const)('int%i conversion (MatMulNBits, block 32)', (bits) => {
  const precision = bits === 8 ? 'int8' : 'int4';

  it('computes exactly with the dequantised weights at accuracy level 0 (within 1e-4)', async () => {
    const output = join(workspace.path, `${precision}-exact`);
    await convertCheckpoint({ checkpoint: join(workspace.path, 'checkpoint'), output, precision, accuracyLevel: 0 });
    const reference = referenceForward({ shape, weights: dequantizedWeights(bits), naming, tokens });
    const logits = await modelLogits(output);
    logits.forEach((row, index) =>
      expect(maxAbsoluteDifference(row, reference[promptLength - 1 + index] as Float64Array)).toBeLessThan(1e-4),
    );
  });

  it('stays close to fp32 at the default accuracy level (stated tolerance)', async () => {
    const output = join(workspace.path, `${precision}-fast`);
    await convertCheckpoint({ checkpoint: join(workspace.path, 'checkpoint'), output, precision });
    const reference = referenceForward({ shape, weights, naming, tokens }).slice(promptLength - 1);
    const logits = await modelLogits(output);
    // Tolerance, as a share of the fp32 logits' spread: int8 < 2%, int4 < 12% (measured 0.8% and 6.5%); and the top token mostly agrees.
    const spread = Math.max(...reference.map((row) => Math.max(...row) - Math.min(...row)));
    const worst = Math.max(...logits.map((row, index) => maxAbsoluteDifference(row, reference[index] as Float64Array)));
    expect(worst / spread).toBeLessThan(bits === 8 ? 0.02 : 0.12);
    const agreeing = logits.filter((row, index) => argmax(row) === argmax(reference[index] as Float64Array)).length;
    expect(agreeing / logits.length).toBeGreaterThanOrEqual(bits === 8 ? 1 : 0.7);
  });
});
