import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OutputFolderNotOwnedError, OutputIsInputError, outputFolderMarker } from '@aquila/files';
import {
  CheckpointTensorError,
  openCheckpoint,
  type TensorToWrite,
  type WeightDtype,
  writeSafetensors,
} from '@aquila/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelShape } from './checkpoint/model-config.js';
import type { WeightNaming } from './checkpoint/weight-names.js';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { GenerationOptionsError, ModelConfigError } from './errors.js';
import { KeyValueCache } from './generation/key-value-cache.js';
import { OnnxDecoder } from './generation/onnx-decoder.js';
import { concatenate } from './internal/concatenate.js';
import { LanguageModel } from './language-model.js';
import { referenceForward } from './reference/reference-forward.js';
import { openPresentOutputsSession } from './test-support/present-outputs-session.js';
import { argmax, maxAbsoluteDifference, temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';

interface Case {
  label: string;
  shape: ModelShape;
  naming: WeightNaming;
  format: 'safetensors' | 'sharded-safetensors' | 'bin';
  dtype: WeightDtype;
}

const cases: Case[] = [
  {
    label: 'MHA, untied, HF names, safetensors F32',
    shape: tinyShapes.multiHead,
    naming: 'hf',
    format: 'safetensors',
    dtype: 'F32',
  },
  {
    label: 'GQA, tied, HF names, sharded safetensors BF16',
    shape: tinyShapes.groupedTied,
    naming: 'hf',
    format: 'sharded-safetensors',
    dtype: 'BF16',
  },
  {
    label: 'MHA, FlagAI names (interleaved RoPE), .bin F16',
    shape: tinyShapes.multiHead,
    naming: 'flagai',
    format: 'bin',
    dtype: 'F16',
  },
  {
    label: 'GQA, FlagAI names, .bin F32',
    shape: tinyShapes.groupedWide,
    naming: 'flagai',
    format: 'bin',
    dtype: 'F32',
  },
  {
    label: 'MHA, FlagAI flash-attn names (packed Wqkv, fc1), .bin BF16',
    shape: tinyShapes.multiHead,
    naming: 'flash',
    format: 'bin',
    dtype: 'BF16',
  },
  {
    label: 'GQA, FlagAI flash-attn names, sharded safetensors F32',
    shape: tinyShapes.groupedWide,
    naming: 'flash',
    format: 'sharded-safetensors',
    dtype: 'F32',
  },
];

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('convert');
});
afterAll(async () => {
  await workspace.remove();
});

describe.each(cases)('convertCheckpoint fp32: $label', ({ label, shape, naming, format, dtype }) => {
  const slug = label.replace(/[^a-z0-9]+/gi, '-');
  let weights: Map<string, Float32Array>;
  let output: string;

  beforeAll(async () => {
    const checkpoint = join(workspace.path, `${slug}-checkpoint`);
    output = join(workspace.path, `${slug}-onnx`);
    weights = await writeRandomCheckpoint({ directory: checkpoint, shape, naming, format, dtype, seed: label.length });
    const progress: number[] = [];
    await convertCheckpoint({ checkpoint, output, onProgress: ({ done }) => progress.push(done) });
    expect(progress.at(-1)).toBe(4 + shape.layerCount * 6 + 1);
  });

  it('writes a self-contained folder', async () => {
    // Besides the model, only the marker that lets the next conversion empty the folder again.
    const entries = await readdir(output);
    expect(entries.filter((name) => name !== outputFolderMarker).sort()).toEqual([
      'aquila-config.json',
      'model.onnx',
      'model.onnx.data',
    ]);
    expect(entries).toContain(outputFolderMarker);
  });

  it('matches the reference forward pass within 1e-4 at chunked prefill and every decode step', async () => {
    const decoder = await OnnxDecoder.create({ modelPath: join(output, 'model.onnx'), shape });
    const cache = new KeyValueCache(shape.layerCount, shape.keyValueHeadCount, shape.headSize, shape.maxPositions);
    const tokens = [5, 17, 3, 42, 8, 1, 30];
    const prompt = tokens.slice(0, 4);
    const reference = referenceForward({ shape, weights, naming, tokens });
    // The prompt in two chunks (the second with past context, as chunked prefill runs it), then one token per step.
    const check = (
      { logits: [logits], nextTokens: [next] }: Awaited<ReturnType<OnnxDecoder['step']>>,
      position: number,
    ): void => {
      expect(maxAbsoluteDifference(logits as Float32Array, reference[position] as Float64Array)).toBeLessThan(1e-4);
      expect(next).toBe(argmax(logits as Float32Array));
    };
    check(await decoder.step([{ tokenIds: prompt.slice(0, 2), pastLength: 0 }], cache, 0), 1);
    check(await decoder.step([{ tokenIds: prompt.slice(2), pastLength: 2 }], cache, 0), 3);
    for (let position = 4; position < tokens.length; position++)
      check(await decoder.step([{ tokenIds: [tokens[position] as number], pastLength: position }], cache, 0), position);
    await decoder.release();
  });

  it('matches the reference for several sequences prefilled in one step, with different pasts', async () => {
    const decoder = await OnnxDecoder.create({ modelPath: join(output, 'model.onnx'), shape });
    const cache = new KeyValueCache(shape.layerCount, shape.keyValueHeadCount, shape.headSize, shape.maxPositions);
    const sequences = [
      [5, 17, 3, 42, 8, 1],
      [9, 2, 7, 11, 30, 4, 6, 21],
    ];
    const references = sequences.map((tokens) => referenceForward({ shape, weights, naming, tokens }));
    // First chunks of different lengths cannot share a step, so the first row starts one step later.
    await decoder.step([{ tokenIds: (sequences[1] as number[]).slice(0, 2), pastLength: 0 }], cache, 1);
    // Two rows of three new tokens each, on pasts of 0 and 2 positions: batch > 1 with context, as batched prefill runs it.
    const step = await decoder.step(
      [
        { tokenIds: (sequences[0] as number[]).slice(0, 3), pastLength: 0 },
        { tokenIds: (sequences[1] as number[]).slice(2, 5), pastLength: 2 },
      ],
      cache,
      0,
    );
    expect(maxAbsoluteDifference(step.logits[0] as Float32Array, references[0]?.[2] as Float64Array)).toBeLessThan(
      1e-4,
    );
    expect(maxAbsoluteDifference(step.logits[1] as Float32Array, references[1]?.[4] as Float64Array)).toBeLessThan(
      1e-4,
    );
    // Then both decode together from their different lengths.
    const decode = await decoder.step(
      [
        { tokenIds: [(sequences[0] as number[])[3] as number], pastLength: 3 },
        { tokenIds: [(sequences[1] as number[])[5] as number], pastLength: 5 },
      ],
      cache,
      0,
    );
    expect(maxAbsoluteDifference(decode.logits[0] as Float32Array, references[0]?.[3] as Float64Array)).toBeLessThan(
      1e-4,
    );
    expect(maxAbsoluteDifference(decode.logits[1] as Float32Array, references[1]?.[5] as Float64Array)).toBeLessThan(
      1e-4,
    );
    await decoder.release();
  });

  it('generates the same greedy tokens as the reference', async () => {
    const model = await LanguageModel.load({ path: output });
    const prompt = [7, 2, 11];
    const result = await model.generate({ promptIds: prompt, maxNewTokens: 8, stopTokenIds: [] });
    const sequence = [...prompt];
    for (let step = 0; step < 8; step++)
      sequence.push(argmax(referenceForward({ shape, weights, naming, tokens: sequence }).at(-1) as Float64Array));
    expect(result.tokenIds).toEqual(sequence.slice(prompt.length));
    expect(result.finishReason).toBe('length');
    await model.release();
  });
});

describe('convertCheckpoint on bad input', () => {
  async function rewritten(label: string, edit: (tensors: TensorToWrite[]) => TensorToWrite[]): Promise<string> {
    const directory = join(workspace.path, `bad-${label}`);
    await writeRandomCheckpoint({ directory, shape: tinyShapes.multiHead, naming: 'hf', format: 'safetensors' });
    const checkpoint = await openCheckpoint({ path: directory });
    const tensors: TensorToWrite[] = [];
    for (const tensor of checkpoint.tensors)
      tensors.push({
        name: tensor.name,
        dtype: tensor.dtype,
        shape: tensor.shape,
        values: await checkpoint.read(tensor.name),
      });
    await checkpoint.close();
    await writeSafetensors({ path: join(directory, 'model.safetensors'), tensors: edit(tensors) });
    return directory;
  }

  it('names a missing tensor', async () => {
    const checkpoint = await rewritten('missing', (tensors) =>
      tensors.filter((tensor) => tensor.name !== 'model.layers.1.mlp.up_proj.weight'),
    );
    await expect(convertCheckpoint({ checkpoint, output: join(checkpoint, 'out') })).rejects.toThrow(
      /tensor "model.layers.1.mlp.up_proj.weight" is missing/,
    );
  });

  it('names a tensor whose shape disagrees with the config', async () => {
    const checkpoint = await rewritten('shape', (tensors) =>
      tensors.map((tensor) =>
        tensor.name.endsWith('0.self_attn.k_proj.weight') ? { ...tensor, shape: [32, 128] } : tensor,
      ),
    );
    const error = await convertCheckpoint({ checkpoint, output: join(checkpoint, 'out') }).catch(
      (caught: unknown) => caught,
    );
    expect(CheckpointTensorError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /"model.layers.0.self_attn.k_proj.weight" has shape \[32, 128\], but .*config.json implies \[64, 64\]/,
    );
  });

  it('refuses an untied config whose checkpoint lacks lm_head', async () => {
    const checkpoint = await rewritten('head', (tensors) =>
      tensors.filter((tensor) => tensor.name !== 'lm_head.weight'),
    );
    await expect(convertCheckpoint({ checkpoint, output: join(checkpoint, 'out') })).rejects.toThrow(
      /"lm_head.weight" is missing and .*config.json does not tie/,
    );
  });

  it('needs a config file and a known naming', async () => {
    const empty = join(workspace.path, 'no-config');
    await mkdir(empty);
    await expect(convertCheckpoint({ checkpoint: empty, output: join(empty, 'out') })).rejects.toSatisfy((error) =>
      ModelConfigError.isInstance(error),
    );
    const renamed = await rewritten('names', (tensors) =>
      tensors.map((tensor) => ({ ...tensor, name: `transformer.${tensor.name}` })),
    );
    await expect(convertCheckpoint({ checkpoint: renamed, output: join(renamed, 'out') })).rejects.toThrow(
      /none of "model.embed_tokens.weight" \(HF\), "tok_embeddings.weight" \(FlagAI\), "transformer.embeddings.word_embeddings.weight" \(FlagAI flash-attn\)/,
    );
  });
});

describe('convertCheckpoint output folder', () => {
  const shape = tinyShapes.multiHead;
  const checkpointFor = async (label: string): Promise<string> => {
    const directory = join(workspace.path, `folder-${label}-checkpoint`);
    await writeRandomCheckpoint({ directory, shape, naming: 'hf', format: 'safetensors', seed: 3 });
    return directory;
  };

  it("refuses a folder holding someone's files and leaves them alone; --force empties it", async () => {
    const checkpoint = await checkpointFor('foreign');
    const output = join(workspace.path, 'folder-foreign-out');
    await mkdir(output);
    await writeFile(join(output, 'notes.txt'), 'my notes\n');
    const error = await convertCheckpoint({ checkpoint, output }).catch((caught: unknown) => caught);
    expect(OutputFolderNotOwnedError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /already holds 1 entry that aquila convert did not write \(notes\.txt\).*--force/,
    );
    expect(await readdir(output)).toEqual(['notes.txt']);
    await convertCheckpoint({ checkpoint, output, force: true });
    expect((await readdir(output)).sort()).toEqual([
      outputFolderMarker,
      'aquila-config.json',
      'model.onnx',
      'model.onnx.data',
    ]);
  });

  it('replaces its own earlier conversion whole, without the files that run left', async () => {
    const checkpoint = await checkpointFor('again');
    const output = join(workspace.path, 'folder-again-out');
    await convertCheckpoint({ checkpoint, output, weightsFile: 'model.onnx_data' });
    await convertCheckpoint({ checkpoint, output });
    expect((await readdir(output)).sort()).toEqual([
      outputFolderMarker,
      'aquila-config.json',
      'model.onnx',
      'model.onnx.data',
    ]);
    await (await LanguageModel.load({ path: output, tokenizer: null })).release();
  });

  it('refuses the checkpoint folder, a folder above it, or a link to it, before writing anything', async () => {
    const checkpoint = await checkpointFor('self');
    const before = (await readdir(checkpoint)).sort();
    const link = join(workspace.path, 'folder-self-link');
    await symlink(checkpoint, link);
    for (const output of [checkpoint, `${checkpoint}/`, dirname(checkpoint), link]) {
      const error = await convertCheckpoint({ checkpoint, output }).catch((caught: unknown) => caught);
      expect(OutputIsInputError.isInstance(error), `${output}: ${String(error)}`).toBe(true);
      expect((error as Error).message).toMatch(/converting into it would empty it and lose the checkpoint/);
    }
    expect((await readdir(checkpoint)).sort()).toEqual(before);
  });

  it('refuses a weights file name that another file of the folder has', async () => {
    const checkpoint = await checkpointFor('names');
    for (const weightsFile of ['aquila-config.json', 'tokenizer.json', outputFolderMarker, '../model.data']) {
      await expect(
        convertCheckpoint({ checkpoint, output: join(workspace.path, 'folder-names-out'), weightsFile }),
      ).rejects.toSatisfy((error) => GenerationOptionsError.isInstance(error));
    }
  });

  it('checks every tensor before touching the output: a bad checkpoint leaves an earlier conversion as it was', async () => {
    const good = await checkpointFor('kept');
    const output = join(workspace.path, 'folder-kept-out');
    await convertCheckpoint({ checkpoint: good, output });
    const config = await readFile(join(output, 'aquila-config.json'));
    const bad = join(workspace.path, 'folder-kept-bad');
    await writeRandomCheckpoint({
      directory: bad,
      shape: { ...shape, layerCount: 3 },
      naming: 'hf',
      format: 'safetensors',
      seed: 3,
    });
    // Claim four layers: the fourth layer's tensors are missing, found only after three layers were converted before.
    const configFile = join(bad, 'config.json');
    await writeFile(
      configFile,
      (await readFile(configFile, 'utf8')).replace(/"num_hidden_layers": 3/, '"num_hidden_layers": 4'),
    );
    await expect(convertCheckpoint({ checkpoint: bad, output })).rejects.toThrow(
      /tensor "model\.layers\.3\.[a-z_.]+" is missing/,
    );
    expect((await readdir(output)).sort()).toEqual([
      outputFolderMarker,
      'aquila-config.json',
      'model.onnx',
      'model.onnx.data',
    ]);
    expect((await readFile(join(output, 'aquila-config.json'))).equals(config)).toBe(true);
  });

  it('leaves no file under a final name, and no temporary file, when interrupted', async () => {
    const checkpoint = await checkpointFor('interrupted');
    const output = join(workspace.path, 'folder-interrupted-out');
    const controller = new AbortController();
    const conversion = convertCheckpoint({
      checkpoint,
      output,
      signal: controller.signal,
      onProgress: ({ done }) => done === 4 && controller.abort(new Error('interrupted')),
    });
    await expect(conversion).rejects.toThrow('interrupted');
    expect(await readdir(output)).toEqual([outputFolderMarker]);
  });
});

describe('one model in the HF, FlagAI and FlagAI flash-attn layouts', () => {
  const shape = tinyShapes.groupedWide;
  const layouts = new Map<WeightNaming, { weights: Map<string, Float32Array>; output: string }>();

  beforeAll(async () => {
    for (const naming of ['hf', 'flagai', 'flash'] as const) {
      const checkpoint = join(workspace.path, `layouts-${naming}-checkpoint`);
      const output = join(workspace.path, `layouts-${naming}-onnx`);
      // The same seed draws the same model in every naming; only the checkpoint layout differs.
      const weights = await writeRandomCheckpoint({
        directory: checkpoint,
        shape,
        naming,
        format: naming === 'hf' ? 'safetensors' : 'bin',
        dtype: 'BF16',
        seed: 21,
      });
      const config = await convertCheckpoint({ checkpoint, output, precision: 'int4' });
      expect(config.source.naming).toBe(naming);
      layouts.set(naming, { weights, output });
    }
  });

  it('writes the flash-attn checkpoint in the layout s1_convert_flash2flagai.py unpacks', () => {
    const flash = layouts.get('flash')?.weights as Map<string, Float32Array>;
    const flagai = layouts.get('flagai')?.weights as Map<string, Float32Array>;
    const rename: [string, string][] = [
      ['transformer.embeddings.word_embeddings.weight', 'tok_embeddings.weight'],
      ['lm_head.weight', 'output.weight'],
      ['transformer.ln_f.weight', 'norm.weight'],
    ];
    for (let layer = 0; layer < shape.layerCount; layer++) {
      const flashLayer = `transformer.layers.${layer}`;
      const flagaiLayer = `layers.${layer}`;
      rename.push(
        [`${flashLayer}.mixer.out_proj.weight`, `${flagaiLayer}.attention.wo.weight`],
        [`${flashLayer}.mlp.fc2.weight`, `${flagaiLayer}.feed_forward.w2.weight`],
        [`${flashLayer}.norm1.weight`, `${flagaiLayer}.attention_norm.weight`],
        [`${flashLayer}.norm2.weight`, `${flagaiLayer}.ffn_norm.weight`],
      );
      const flagaiRows = (...names: string[]) =>
        concatenate(names.map((name) => flagai.get(`${flagaiLayer}.${name}.weight`) as Float32Array));
      expect(flash.get(`${flashLayer}.mixer.Wqkv.weight`)).toEqual(
        flagaiRows('attention.wq', 'attention.wk', 'attention.wv'),
      );
      expect(flash.get(`${flashLayer}.mlp.fc1.weight`)).toEqual(flagaiRows('feed_forward.w3', 'feed_forward.w1'));
    }
    for (const [flashName, flagaiName] of rename)
      expect(flash.get(flashName), flashName).toEqual(flagai.get(flagaiName));
    expect(flash.size).toBe(rename.length + 2 * shape.layerCount);
  });

  it('converts all three to the same weights file and the same logits', async () => {
    const reference = await readFile(join(layouts.get('hf')?.output as string, 'model.onnx.data'));
    const tokens = [4, 60, 9, 33, 12];
    const logitsOf = async (output: string): Promise<Float32Array[]> => {
      const decoder = await OnnxDecoder.create({ modelPath: join(output, 'model.onnx'), shape });
      const cache = new KeyValueCache(shape.layerCount, shape.keyValueHeadCount, shape.headSize, shape.maxPositions);
      const steps = [
        Float32Array.from(
          (await decoder.step([{ tokenIds: tokens.slice(0, 3), pastLength: 0 }], cache, 0)).logits[0] as Float32Array,
        ),
      ];
      for (let position = 3; position < tokens.length; position++) {
        steps.push(
          Float32Array.from(
            (await decoder.step([{ tokenIds: [tokens[position] as number], pastLength: position }], cache, 0))
              .logits[0] as Float32Array,
          ),
        );
      }
      await decoder.release();
      return steps;
    };
    const hfLogits = await logitsOf(layouts.get('hf')?.output as string);
    for (const naming of ['flagai', 'flash'] as const) {
      const output = layouts.get(naming)?.output as string;
      expect((await readFile(join(output, 'model.onnx.data'))).equals(reference), `${naming} weights file`).toBe(true);
      expect(await logitsOf(output)).toEqual(hfLogits);
    }
  });
});

describe('convertCheckpoint with cacheLayout "present-outputs" (the onnxruntime-genai / transformers.js contract)', () => {
  it('computes the reference logits when driven through attention_mask and present.* outputs', async () => {
    const shape = tinyShapes.groupedTied;
    const checkpoint = join(workspace.path, 'present-checkpoint');
    const output = join(workspace.path, 'present-onnx');
    const weights = await writeRandomCheckpoint({
      directory: checkpoint,
      shape,
      naming: 'hf',
      format: 'safetensors',
      seed: 5,
    });
    await convertCheckpoint({ checkpoint, output, cacheLayout: 'present-outputs', weightsFile: 'model.onnx_data' });
    expect((await readdir(output)).filter((name) => name !== outputFolderMarker).sort()).toEqual([
      'aquila-config.json',
      'model.onnx',
      'model.onnx_data',
    ]);
    const tokens = [3, 14, 15, 9, 2, 6];
    const reference = referenceForward({ shape, weights, naming: 'hf', tokens });
    const session = await openPresentOutputsSession(join(output, 'model.onnx'), shape);
    const { past, run } = session;
    // The same weights in the caller-owned layout: its cache (keys rotated by RotaryEmbedding, stored
    // transposed) must hold the keys and values GQA itself rotated and returned as present.*.
    const own = join(workspace.path, 'present-own-onnx');
    await convertCheckpoint({ checkpoint, output: own });
    const decoder = await OnnxDecoder.create({ modelPath: join(own, 'model.onnx'), shape });
    const cache = new KeyValueCache(shape.layerCount, shape.keyValueHeadCount, shape.headSize, shape.maxPositions);
    const sameCache = (total: number): void => {
      for (let layer = 0; layer < shape.layerCount; layer++) {
        for (const kind of ['key', 'value'] as const) {
          const present = past[`past_key_values.${layer}.${kind}`]?.data as Float32Array;
          const ours = cache.view(layer, kind, 0, 1);
          // Ours in present's [heads, positions, headSize] order.
          const reordered = Array.from(present, (_, index) => {
            const head = Math.floor(index / (total * shape.headSize));
            const position = Math.floor(index / shape.headSize) % total;
            const dimension = index % shape.headSize;
            return kind === 'key'
              ? ours[(head * shape.headSize + dimension) * cache.capacity + position]
              : ours[(head * cache.capacity + position) * shape.headSize + dimension];
          });
          // To rounding: RotaryEmbedding and GQA's own rotary, and the two attentions, sum in different orders.
          expect(maxAbsoluteDifference(reordered as number[], present)).toBeLessThan(1e-5);
        }
      }
    };
    expect(maxAbsoluteDifference(await run(tokens.slice(0, 4), 4), reference[3] as Float64Array)).toBeLessThan(1e-4);
    await decoder.step([{ tokenIds: tokens.slice(0, 4), pastLength: 0 }], cache, 0);
    sameCache(4);
    for (const position of [4, 5]) {
      expect(
        maxAbsoluteDifference(
          await run([tokens[position] as number], position + 1),
          reference[position] as Float64Array,
        ),
      ).toBeLessThan(1e-4);
      await decoder.step([{ tokenIds: [tokens[position] as number], pastLength: position }], cache, 0);
      sameCache(position + 1);
    }
    await decoder.release();
    await session.release();
    await expect(LanguageModel.load({ path: output })).rejects.toThrow(/converted with cacheLayout "present-outputs"/);
  });
});
