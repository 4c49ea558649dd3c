import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpoint } from '@aquila/formats';
import { readModelConfig } from '@aquila/runtime';
import { describe, expect, it } from 'vitest';
import { AdamW, clipGradientNorm } from './adamw.js';
import { KernelArena } from './kernel-arena.js';
import { learningRateAt } from './learning-rate.js';
import { LlamaModel, type LlamaShape, type Parameter } from './llama-model.js';
import { saveLlamaCheckpoint } from './save-llama-checkpoint.js';
import { trainLlama } from './train-llama.js';

const shape: LlamaShape = {
  vocabSize: 16,
  hiddenSize: 32,
  intermediateSize: 64,
  layers: 2,
  heads: 4,
  maxPositions: 32,
  rmsNormEpsilon: 1e-5,
  ropeTheta: 10000,
};

describe('learningRateAt', () => {
  it("follows FlagAI's warmup, Cosine10PP and linear schedules", () => {
    const base = { totalSteps: 110, warmupSteps: 10, lr: 1, minLr: 0.1 };
    expect(learningRateAt({ ...base, step: 0, style: 'cosine' })).toBe(0);
    expect(learningRateAt({ ...base, step: 5, style: 'cosine' })).toBe(0.5);
    expect(learningRateAt({ ...base, step: 10, style: 'cosine' })).toBe(1);
    expect(learningRateAt({ ...base, step: 60, style: 'cosine' })).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(learningRateAt({ ...base, step: 110, style: 'cosine' })).toBeCloseTo(0.1, 12);
    expect(learningRateAt({ ...base, minLr: 0, step: 60, style: 'linear' })).toBeCloseTo(0.5, 12);
    expect(learningRateAt({ ...base, step: 80, style: 'constant' })).toBe(1);
  });
});

describe('AdamW and clipGradientNorm', () => {
  it('take the bias-corrected decoupled step and clip to the global norm', () => {
    const parameter: Parameter = {
      name: 'w',
      shape: [1, 2],
      values: Float32Array.of(1, -2),
      gradient: Float32Array.of(3, 4),
    };
    expect(clipGradientNorm([parameter], 1)).toBe(5);
    expect(parameter.gradient[0]).toBeCloseTo(0.6, 5);
    const adamw = new AdamW({ beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
    adamw.step([parameter], 0.01);
    // First step: m̂ = g, v̂ = g², so the update is lr · sign(g) after decay.
    expect(parameter.values[0]).toBeCloseTo(1 * (1 - 0.001) - 0.01, 6);
    expect(parameter.values[1]).toBeCloseTo(-2 * (1 - 0.001) - 0.01, 6);
  });
});

describe('AdamW in a kernel arena', () => {
  it('updates arena weights with the SIMD kernel exactly as the JS loop does, odd lengths and flushed moments included', () => {
    const arena = new KernelArena({ floats: 64, threads: 1 });
    const length = 7;
    const start = Array.from({ length }, (_, index) => (index - 3) / 5);
    const gradients = [
      Array.from({ length }, (_, index) => Math.sin(index + 1)),
      Array.from({ length }, (_, index) => (index === 2 ? 1e-35 : Math.cos(index))),
    ];
    const inArena: Parameter = {
      name: 'w',
      shape: [1, length],
      values: arena.allocate(length),
      gradient: arena.allocate(length),
    };
    const plain: Parameter = {
      name: 'w',
      shape: [1, length],
      values: new Float32Array(length),
      gradient: new Float32Array(length),
    };
    inArena.values.set(start);
    plain.values.set(start);
    const options = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
    const [simd, loop] = [new AdamW(options), new AdamW(options)];
    const room = arena.available;
    for (const gradient of [...gradients, ...gradients]) {
      inArena.gradient.set(gradient);
      plain.gradient.set(gradient);
      simd.step([inArena], 0.01, 0.5);
      loop.step([plain], 0.01, 0.5);
    }
    inArena.values.forEach((value, index) => expect(value).toBeCloseTo(plain.values[index] as number, 6));
    // The moments went into the arena (two arrays of 7 floats, padded to 8).
    expect(arena.available).toBe(room - 16);
  });
});

describe('trainLlama', () => {
  it('drives the loss down on a learnable sequence set, with masked labels, and saves a checkpoint @aquila/runtime reads', async () => {
    const model = new LlamaModel({ shape, seed: 11 });
    // Counting sequences: each token is the previous plus a per-sequence stride; the first half of each is masked.
    const sequences = Array.from({ length: 12 }, (_, index) => {
      const inputIds = Array.from({ length: 16 }, (_, position) => (index + position * (1 + (index % 3))) % 16);
      return { inputIds, labels: inputIds.map((id, position) => (position < 4 ? -100 : id)) };
    });
    const events = await trainLlama({
      model,
      sequences,
      steps: 60,
      batchSize: 4,
      optimizer: { lr: 3e-3, minLr: 3e-4, weightDecay: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, clipGrad: 1 },
      schedule: { warmupSteps: 5, style: 'cosine' },
      seed: 1,
    });
    const first = events.slice(0, 5).reduce((total, { loss }) => total + (loss ?? 0), 0) / 5;
    const last = events.slice(-5).reduce((total, { loss }) => total + (loss ?? 0), 0) / 5;
    expect(first).toBeGreaterThan(2.5);
    expect(last).toBeLessThan(first * 0.5);
    expect(events.at(-1)).toMatchObject({ iteration: 60, totalIterations: 60, consumedSamples: 240 });

    const directory = await mkdtemp(join(tmpdir(), 'aquila-llama-'));
    try {
      await saveLlamaCheckpoint({ model, directory });
      const checkpoint = await openCheckpoint({ path: directory });
      try {
        expect(checkpoint.tensors.map(({ name }) => name)).toEqual(model.parameters.map(({ name }) => name));
        expect(await checkpoint.read('model.layers.1.mlp.down_proj.weight')).toEqual(
          model.parameters.find(({ name }) => name === 'model.layers.1.mlp.down_proj.weight')?.values,
        );
      } finally {
        await checkpoint.close();
      }
      expect(await readModelConfig({ directory })).toMatchObject({
        shape: {
          vocabSize: 16,
          hiddenSize: 32,
          layerCount: 2,
          intermediateSize: 64,
          headCount: 4,
          tiedEmbeddings: false,
        },
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
