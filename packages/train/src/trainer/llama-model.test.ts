import { describe, expect, it } from 'vitest';
import { LlamaModel, type LlamaShape } from './llama-model.js';

const shape: LlamaShape = {
  vocabSize: 13,
  hiddenSize: 8,
  intermediateSize: 12,
  layers: 2,
  heads: 2,
  maxPositions: 16,
  rmsNormEpsilon: 1e-5,
  ropeTheta: 10000,
};
const inputIds = [1, 5, 7, 2, 9, 12];
const labels = [1, 5, -100, 2, 9, 12];

function loss(model: LlamaModel): number {
  model.zeroGradients();
  return model.accumulate({ inputIds, labels }).lossSum;
}

describe('LlamaModel', () => {
  it('has gradients that match central finite differences for every weight', () => {
    const model = new LlamaModel({ shape, seed: 3 });
    // Larger weights than the 0.02 init, so attention and SwiGLU are far from linear.
    for (const parameter of model.parameters)
      if (parameter.shape.length === 2)
        parameter.values.forEach((value, index) => (parameter.values[index] = value * 20));
    loss(model);
    const analytic = new Map(model.parameters.map(({ name, gradient }) => [name, Float32Array.from(gradient)]));
    let checked = 0;
    for (const parameter of model.parameters) {
      const gradient = analytic.get(parameter.name) as Float32Array;
      // A spread of entries of every tensor, including the embedding rows that are used.
      const entries =
        parameter.name === 'model.embed_tokens.weight'
          ? [5 * 8, 7 * 8 + 3, 12 * 8 + 7, 0]
          : [0, 1, Math.floor(parameter.values.length / 2), parameter.values.length - 1];
      for (const index of entries) {
        const original = parameter.values[index] as number;
        const step = 1e-2;
        parameter.values[index] = original + step;
        const above = loss(model);
        parameter.values[index] = original - step;
        const below = loss(model);
        parameter.values[index] = original;
        const numeric = (above - below) / (2 * step);
        expect(
          Math.abs(numeric - (gradient[index] as number)),
          `${parameter.name}[${index}]: numeric ${numeric}, analytic ${gradient[index]}`,
        ).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
        checked += 1;
      }
    }
    expect(checked).toBe(model.parameters.length * 4);
    // Unused embedding rows get no gradient; the ignored label adds no loss.
    expect(
      (analytic.get('model.embed_tokens.weight') as Float32Array).subarray(3 * 8, 4 * 8).every((value) => value === 0),
    ).toBe(true);
  });

  it('keeps packed examples apart: a packed row has the loss and gradients of its examples taken one by one', () => {
    const model = new LlamaModel({ shape, seed: 5 });
    for (const parameter of model.parameters)
      if (parameter.shape.length === 2)
        parameter.values.forEach((value, index) => (parameter.values[index] = value * 20));
    const first = { inputIds: [1, 5, 7, 2], labels: [1, 5, 7, 2] };
    const second = { inputIds: [9, 12, 3, 4, 6], labels: [-100, 12, 3, 4, 6] };
    model.zeroGradients();
    const apart = model.accumulate(first).lossSum + model.accumulate(second).lossSum;
    const apartGradients = model.parameters.map(({ gradient }) => Float32Array.from(gradient));
    model.zeroGradients();
    const packed = model.accumulate({
      inputIds: [...first.inputIds, ...second.inputIds],
      labels: [...first.labels, ...second.labels],
      exampleStarts: [0, 4],
    });
    expect(packed.tokens).toBe(3 + 4);
    expect(packed.lossSum).toBeCloseTo(apart, 4);
    model.parameters.forEach(({ name, gradient }, index) => {
      const expected = apartGradients[index] as Float32Array;
      const worst = gradient.reduce(
        (largest, value, position) => Math.max(largest, Math.abs(value - (expected[position] as number))),
        0,
      );
      expect(worst, name).toBeLessThan(1e-4);
    });
  });

  it('counts only labels that are not -100, and rejects ids outside the vocabulary', () => {
    const model = new LlamaModel({ shape, seed: 1 });
    expect(model.accumulate({ inputIds, labels }).tokens).toBe(4);
    expect(model.accumulate({ inputIds: [1, 2], labels: [-100, -100] })).toEqual({ lossSum: 0, tokens: 0 });
    expect(() => model.accumulate({ inputIds: [1, 13], labels: [1, 13] })).toThrow(/outside the vocabulary/);
    expect(model.parameterCount).toBe(13 * 8 * 2 + 8 + 2 * (2 * 8 + 4 * 64 + 3 * 96));
  });
});
