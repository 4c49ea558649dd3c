import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WeightDtype } from '@aquila/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelShape } from './checkpoint/model-config.js';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { UnsupportedModelError } from './errors.js';
import { KeyValueCache } from './generation/key-value-cache.js';
import { OnnxDecoder } from './generation/onnx-decoder.js';
import { LanguageModel } from './language-model.js';
import { referenceForward } from './reference/reference-forward.js';
import { openPresentOutputsSession } from './test-support/present-outputs-session.js';
import {
  argmax,
  maxAbsoluteDifference,
  temporaryDirectory,
  tinyArchitectures,
  tinyShapes,
} from './test-support/tiny-models.js';

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('architectures');
});
afterAll(async () => {
  await workspace.remove();
});

/** The reference's greedy continuation of `prompt`, one full forward pass per token. */
function referenceContinuation(shape: ModelShape, weights: Map<string, Float32Array>, prompt: number[], count: number) {
  const sequence = [...prompt];
  for (let step = 0; step < count; step++)
    sequence.push(argmax(referenceForward({ shape, weights, naming: 'hf', tokens: sequence }).at(-1) as Float64Array));
  return sequence.slice(prompt.length);
}

// Stored as the released models are: Qwen2 and Llama 3.2 in BF16 shards, Mistral and CodeLlama in F16 `.bin`.
const storage: Record<string, { format: 'safetensors' | 'sharded-safetensors' | 'bin'; dtype: WeightDtype }> = {
  qwen2: { format: 'sharded-safetensors', dtype: 'BF16' },
  llama32: { format: 'sharded-safetensors', dtype: 'BF16' },
  mistral: { format: 'bin', dtype: 'F16' },
  codeLlama: { format: 'bin', dtype: 'F16' },
};
const architectures = Object.entries(tinyArchitectures).map(([name, shape]) => ({
  name,
  shape: shape as ModelShape,
  ...(storage[name] ?? { format: 'safetensors' as const, dtype: 'F32' as const }),
}));

describe.each(architectures)('a random $name checkpoint ($format $dtype)', ({ name, shape, format, dtype }) => {
  let weights: Map<string, Float32Array>;
  let output: string;

  beforeAll(async () => {
    const checkpoint = join(workspace.path, `${name}-checkpoint`);
    output = join(workspace.path, `${name}-onnx`);
    weights = await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format, dtype, seed: 9 });
    await convertCheckpoint({ checkpoint, output, generation: { stopTokenIds: [] } });
  });

  it('converts to the shape its config describes', async () => {
    const converted = JSON.parse(await readFile(join(output, 'aquila-config.json'), 'utf8'));
    expect(converted.shape).toEqual(shape);
  });

  it('matches the reference logits within 1e-4 over a context past its window, prefilled in chunks and batched', async () => {
    const decoder = await OnnxDecoder.create({ modelPath: join(output, 'model.onnx'), shape });
    const cache = new KeyValueCache(shape.layerCount, shape.keyValueHeadCount, shape.headSize, shape.maxPositions);
    const sequences = [
      Array.from({ length: 30 }, (_, index) => (index * 7 + 3) % shape.vocabSize),
      Array.from({ length: 30 }, (_, index) => (index * 11 + 5) % shape.vocabSize),
    ];
    const references = sequences.map((tokens) => referenceForward({ shape, weights, naming: 'hf', tokens }));
    const check = (step: Awaited<ReturnType<OnnxDecoder['step']>>, positions: number[]): void => {
      positions.forEach((position, row) => {
        const reference = references[row]?.[position] as Float64Array;
        expect(maxAbsoluteDifference(step.logits[row] as Float32Array, reference), `position ${position}`).toBeLessThan(
          1e-4,
        );
      });
    };
    // The second sequence runs 4 positions ahead; chunks of 6 then 12 cross the window of 8 with past context.
    await decoder.step([{ tokenIds: (sequences[1] as number[]).slice(0, 4), pastLength: 0 }], cache, 1);
    let lengths = [0, 4];
    for (const chunk of [6, 12]) {
      const step = await decoder.step(
        sequences.map((tokens, row) => ({
          tokenIds: tokens.slice(lengths[row], (lengths[row] as number) + chunk),
          pastLength: lengths[row] as number,
        })),
        cache,
        0,
      );
      lengths = lengths.map((length) => length + chunk);
      check(
        step,
        lengths.map((length) => length - 1),
      );
    }
    while ((lengths[1] as number) < 30) {
      const step = await decoder.step(
        sequences.map((tokens, row) => ({
          tokenIds: [tokens[lengths[row] as number] as number],
          pastLength: lengths[row] as number,
        })),
        cache,
        0,
      );
      check(step, lengths);
      lengths = lengths.map((length) => length + 1);
    }
    await decoder.release();
  });

  it('continues a prompt greedily with the reference tokens, alone and batched with chunked prefill', async () => {
    const prompts = [
      [7, 2, 11],
      [5, 17, 3, 42, 8, 1, 30, 9, 12, 4],
    ];
    const expected = prompts.map((prompt) => referenceContinuation(shape, weights, prompt, 20));
    const model = await LanguageModel.load({ path: output, tokenizer: null, maxBatchSize: 2, prefillChunkSize: 3 });
    const results = await Promise.all(
      prompts.map((promptIds) => model.generate({ promptIds, maxNewTokens: 20, stopTokenIds: [] })),
    );
    await model.release();
    expect(results.map((result) => result.tokenIds)).toEqual(expected);
  });
});

describe('a sliding window in the present-outputs layout (GroupQueryAttention local_window_size)', () => {
  it('computes the reference logits past the window, prefilled and decoded', async () => {
    const shape = tinyArchitectures.mistral;
    const checkpoint = join(workspace.path, 'present-window-checkpoint');
    const output = join(workspace.path, 'present-window-onnx');
    const weights = await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format: 'safetensors' });
    await convertCheckpoint({ checkpoint, output, cacheLayout: 'present-outputs' });
    const tokens = Array.from({ length: 20 }, (_, index) => (index * 7 + 3) % shape.vocabSize);
    const reference = referenceForward({ shape, weights, naming: 'hf', tokens });
    const session = await openPresentOutputsSession(join(output, 'model.onnx'), shape);
    expect(
      maxAbsoluteDifference(await session.run(tokens.slice(0, 12), 12), reference[11] as Float64Array),
    ).toBeLessThan(1e-4);
    for (let position = 12; position < tokens.length; position++) {
      const logits = await session.run([tokens[position] as number], position + 1);
      expect(maxAbsoluteDifference(logits, reference[position] as Float64Array)).toBeLessThan(1e-4);
    }
    await session.release();
  });
});

describe('what the architecture features change', () => {
  const plainShape = tinyShapes.groupedTied;
  const convertedData = async (label: string, shape: ModelShape): Promise<Buffer> => {
    const checkpoint = join(workspace.path, `differs-${label}-checkpoint`);
    const output = join(workspace.path, `differs-${label}-onnx`);
    await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format: 'safetensors', seed: 4 });
    await convertCheckpoint({ checkpoint, output });
    return readFile(join(output, 'model.onnx.data'));
  };

  it('writes a weights file of its own for a biased or rope-scaled model', async () => {
    const plain = await convertedData('plain', plainShape);
    const biased = await convertedData('biased', { ...plainShape, queryKeyValueBias: true });
    const scaled = await convertedData('scaled', tinyArchitectures.llama32);
    expect(biased.equals(plain)).toBe(false);
    expect(biased.length).toBeGreaterThan(plain.length);
    expect(scaled.equals(plain)).toBe(false);
    expect(scaled.length).toBe(plain.length);
  });

  it('keeps the biases at int8 and int4: logits within the quantisation tolerance of the float reference', async () => {
    const shape = tinyArchitectures.qwen2;
    const checkpoint = join(workspace.path, 'quantized-qwen2-checkpoint');
    const weights = await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format: 'safetensors' });
    const tokens = [4, 9, 33, 2, 61, 17];
    const reference = referenceForward({ shape, weights, naming: 'hf', tokens }).at(-1) as Float64Array;
    const spread = Math.max(...reference) - Math.min(...reference);
    for (const [precision, tolerance] of [
      ['int8', 0.02],
      ['int4', 0.12],
    ] as const) {
      const output = join(workspace.path, `quantized-qwen2-${precision}`);
      await convertCheckpoint({ checkpoint, output, precision });
      const decoder = await OnnxDecoder.create({ modelPath: join(output, 'model.onnx'), shape });
      const cache = new KeyValueCache(shape.layerCount, shape.keyValueHeadCount, shape.headSize, shape.maxPositions);
      const { logits } = await decoder.step([{ tokenIds: tokens, pastLength: 0 }], cache, 0);
      await decoder.release();
      expect(maxAbsoluteDifference(logits[0] as Float32Array, reference) / spread, precision).toBeLessThan(tolerance);
    }
  });

  it('computes other logits without the feature: each test model depends on its bias, scaling or window', async () => {
    const prompt = Array.from({ length: 14 }, (_, index) => (index * 5 + 1) % 64);
    const without: [keyof typeof tinyArchitectures, (shape: ModelShape) => ModelShape][] = [
      ['qwen2', (shape) => ({ ...shape, queryKeyValueBias: false })],
      ['llama32', ({ ropeScaling: _, ...shape }) => shape],
      ['mistral', ({ slidingWindow: _, ...shape }) => shape],
      ['linearScaled', ({ ropeScaling: _, ...shape }) => shape],
    ];
    for (const [name, strip] of without) {
      const shape = tinyArchitectures[name] as ModelShape;
      const weights = await writeRandomCheckpoint({
        directory: join(workspace.path, `without-${name}`),
        shape,
        naming: 'hf',
        format: 'safetensors',
        seed: 9,
      });
      const withFeature = referenceForward({ shape, weights, naming: 'hf', tokens: prompt }).at(-1) as Float64Array;
      const withoutFeature = referenceForward({ shape: strip(shape), weights, naming: 'hf', tokens: prompt }).at(
        -1,
      ) as Float64Array;
      expect(maxAbsoluteDifference(withFeature, withoutFeature), name).toBeGreaterThan(0.05);
    }
  });
});

describe('configs', () => {
  const checkpointWith = async (label: string, edit: (config: Record<string, unknown>) => void): Promise<string> => {
    const directory = join(workspace.path, `config-${label}`);
    await writeRandomCheckpoint({
      directory,
      shape: tinyShapes.multiHead,
      naming: 'hf',
      format: 'safetensors',
      seed: 2,
    });
    const file = join(directory, 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8'));
    edit(config);
    await writeFile(file, JSON.stringify(config));
    return directory;
  };

  it('refuses a computation it does not implement by naming the key, before writing anything', async () => {
    const checkpoint = await checkpointWith('yarn', (config) => {
      config.rope_scaling = { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32 };
    });
    const output = join(workspace.path, 'config-yarn-onnx');
    const error = await convertCheckpoint({ checkpoint, output }).catch((caught: unknown) => caught);
    expect(UnsupportedModelError.isInstance(error), String(error)).toBe(true);
    expect((error as UnsupportedModelError).code).toBe('AQUILA_UNSUPPORTED_MODEL');
    expect((error as UnsupportedModelError).key).toBe('rope_scaling.rope_type');
    expect((error as Error).message).toMatch(/config\.json: "rope_scaling\.rope_type" "yarn" is a RoPE scaling/);
    await expect(readFile(join(output, 'aquila-config.json'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses bias tensors that its config gives no place to', async () => {
    const directory = join(workspace.path, 'config-stray-bias');
    await writeRandomCheckpoint({
      directory,
      shape: { ...tinyShapes.groupedTied, queryKeyValueBias: true },
      naming: 'hf',
      format: 'safetensors',
    });
    const file = join(directory, 'config.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"model_type": "qwen2"', '"model_type": "llama"'));
    const error = await convertCheckpoint({ checkpoint: directory, output: join(directory, 'out') }).catch(
      (caught: unknown) => caught,
    );
    expect(UnsupportedModelError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/"model\.layers\.0\.self_attn\.q_proj\.bias" is a projection bias/);
  });

  it('stops at every eos id of a list, and takes generation_config.json defaults over config.json', async () => {
    const listed = await checkpointWith('eos-list', (config) => {
      config.eos_token_id = [2, 40, 41];
    });
    const listedOutput = join(workspace.path, 'config-eos-list-onnx');
    const converted = await convertCheckpoint({ checkpoint: listed, output: listedOutput });
    expect(converted.eosTokenId).toBe(2);
    expect(converted.generation.stopTokenIds).toEqual([2, 40, 41]);
    // Stop ids taken from the free continuation: generation ends at whichever comes first.
    const model = await LanguageModel.load({ path: listedOutput, tokenizer: null });
    const free = await model.generate({ promptIds: [3, 4], maxNewTokens: 12, stopTokenIds: [] });
    const stop = free.tokenIds[5] as number;
    await model.release();
    const again = await checkpointWith('eos-list-again', (config) => {
      config.eos_token_id = [90, stop, 91];
    });
    const againOutput = join(workspace.path, 'config-eos-list-again-onnx');
    await convertCheckpoint({ checkpoint: again, output: againOutput });
    const stopping = await LanguageModel.load({ path: againOutput, tokenizer: null });
    const stopped = await stopping.generate({ promptIds: [3, 4], maxNewTokens: 12 });
    await stopping.release();
    expect(stopped.tokenIds).toEqual(free.tokenIds.slice(0, free.tokenIds.indexOf(stop)));
    expect(stopped.finishReason).toBe('stop');

    const generation = await checkpointWith('generation-config', (config) => {
      config.eos_token_id = 2;
    });
    await writeFile(
      join(generation, 'generation_config.json'),
      JSON.stringify({ do_sample: true, temperature: 0.7, top_p: 0.8, repetition_penalty: 1.1, eos_token_id: [7, 2] }),
    );
    const withDefaults = await convertCheckpoint({
      checkpoint: generation,
      output: join(workspace.path, 'config-generation-config-onnx'),
    });
    // transformers' defaults for what the file leaves out: top_k 50.
    expect(withDefaults.generation).toMatchObject({
      temperature: 0.7,
      topK: 50,
      topP: 0.8,
      repetitionPenalty: 1.1,
      stopTokenIds: [7, 2],
    });
  });
});
