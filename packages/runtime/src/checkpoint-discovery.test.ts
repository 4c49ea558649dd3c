import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCheckpoint, writeTorchCheckpoint } from '@aquila/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { ModelConfigError, TokenizerVocabularyError } from './errors.js';
import { LanguageModel } from './language-model.js';
import { temporaryDirectory, tinyShapes } from './test-support/tiny-models.js';

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('discovery');
});
afterAll(async () => {
  await workspace.remove();
});

const shape = tinyShapes.multiHead;

/** A `tokenizer.json` whose ids run 0…size−1: `size − 2` vocabulary entries and two added tokens. */
function tokenizerJson(size: number): string {
  const vocab = Object.fromEntries(Array.from({ length: size - 2 }, (_, id) => [`t${id}`, id]));
  const added = [
    { id: size - 2, content: '<s>', special: true },
    { id: size - 1, content: '</s>', special: true },
  ];
  return JSON.stringify({ model: { type: 'BPE', vocab, merges: [] }, added_tokens: added });
}

/** A SentencePiece `tokenizer.model` of `size` pieces, with a trainer spec (field 2) that is not a piece. */
function sentencePieceModel(size: number): Uint8Array {
  const bytes: number[] = [0x12, 0x02, 0x08, 0x01];
  for (let id = 0; id < size; id++) {
    const piece = new TextEncoder().encode(`p${id}`);
    const message = [0x0a, piece.length, ...piece, 0x15, 0, 0, 0x80, 0xbf];
    bytes.push(0x0a, message.length, ...message);
  }
  return Uint8Array.from(bytes);
}

async function checkpointFolder(
  label: string,
  options: { naming?: 'hf' | 'flagai'; format?: 'bin' | 'safetensors' } = {},
) {
  const directory = join(workspace.path, label);
  await import('node:fs/promises').then(({ mkdir }) => mkdir(directory));
  await writeRandomCheckpoint({
    directory,
    shape,
    naming: options.naming ?? 'hf',
    format: options.format ?? 'safetensors',
    seed: 5,
  });
  return directory;
}

describe('checkpoint discovery in convertCheckpoint', () => {
  it("converts a trainer's output folder, reading only the weights (optimizer and trainer state are left alone)", async () => {
    const directory = await checkpointFolder('trainer', { format: 'bin' });
    for (const name of ['optimizer.pt', 'scheduler.pt', 'training_args.bin', 'rng_state_0.pth'])
      await writeFile(join(directory, name), 'a pickle of trainer state, never a weight file');
    const reference = await checkpointFolder('trainer-reference', { format: 'bin' });
    await convertCheckpoint({ checkpoint: directory, output: join(workspace.path, 'trainer-out') });
    await convertCheckpoint({ checkpoint: reference, output: join(workspace.path, 'trainer-reference-out') });
    expect(await readFile(join(workspace.path, 'trainer-out', 'model.onnx.data'))).toEqual(
      await readFile(join(workspace.path, 'trainer-reference-out', 'model.onnx.data')),
    );
  });

  it('converts one weight file named directly, with the config and tokenizer files of its folder', async () => {
    const directory = await checkpointFolder('single-file');
    await rename(join(directory, 'model.safetensors'), join(directory, 'step-1000.safetensors'));
    await writeFile(join(directory, 'tokenizer.json'), tokenizerJson(shape.vocabSize));
    const output = join(workspace.path, 'single-file-out');
    const converted = await convertCheckpoint({ checkpoint: join(directory, 'step-1000.safetensors'), output });
    expect(converted.shape.vocabSize).toBe(shape.vocabSize);
    expect(converted.tokenizerFiles).toEqual(['tokenizer.json']);
    // The folder alone holds no weights by name: it is refused with what it holds.
    await expect(convertCheckpoint({ checkpoint: directory, output })).rejects.toThrow(
      /it holds step-1000\.safetensors, which are not read as weights by name/,
    );
  });

  it('reads a .bin whose state dict also holds int64 and bool buffers', async () => {
    const directory = await checkpointFolder('buffers', { format: 'bin' });
    const path = join(directory, 'pytorch_model.bin');
    const checkpoint = await openCheckpoint({ path });
    const tensors = [];
    for (const tensor of checkpoint.tensors)
      tensors.push({ ...tensor, dtype: 'F32' as const, values: await checkpoint.read(tensor.name) });
    await checkpoint.close();
    await writeTorchCheckpoint({
      path,
      tensors: [
        ...tensors,
        { name: 'model.embed_positions.position_ids', dtype: 'I64', shape: [1, 8], values: new Float32Array(8) },
        {
          name: 'model.layers.0.self_attn.causal_mask',
          dtype: 'BOOL',
          shape: [2, 2],
          values: Float32Array.of(1, 0, 1, 1),
        },
      ],
    });
    const converted = await convertCheckpoint({ checkpoint: directory, output: join(workspace.path, 'buffers-out') });
    expect(converted.shape.layerCount).toBe(shape.layerCount);
  });

  it("takes Meta's vocab_size −1 from the tokenizer (tokenizer.model or tokenizer.json), and refuses it without one", async () => {
    const directory = await checkpointFolder('meta', { naming: 'flagai', format: 'bin' });
    const paramsPath = join(directory, 'params.json');
    const params = JSON.parse(await readFile(paramsPath, 'utf8'));
    await writeFile(paramsPath, JSON.stringify({ ...params, vocab_size: -1 }));
    const output = join(workspace.path, 'meta-out');
    await expect(convertCheckpoint({ checkpoint: directory, output })).rejects.toSatisfy(
      (error) => ModelConfigError.isInstance(error) && /"vocab_size" is -1.*no tokenizer\.model/.test(String(error)),
    );
    await writeFile(join(directory, 'tokenizer.model'), sentencePieceModel(shape.vocabSize));
    expect((await convertCheckpoint({ checkpoint: directory, output })).shape.vocabSize).toBe(shape.vocabSize);
    await writeFile(join(directory, 'tokenizer.json'), tokenizerJson(shape.vocabSize));
    expect((await convertCheckpoint({ checkpoint: directory, output })).shape.vocabSize).toBe(shape.vocabSize);
  });

  it("refuses a tokenizer with ids past the embedding's rows, and warns of padding rows past its last id", async () => {
    const directory = await checkpointFolder('vocabulary');
    const output = join(workspace.path, 'vocabulary-out');
    await writeFile(join(directory, 'tokenizer.json'), tokenizerJson(shape.vocabSize + 4));
    const error = await convertCheckpoint({ checkpoint: directory, output }).catch((caught: unknown) => caught);
    expect(TokenizerVocabularyError.isInstance(error), String(error)).toBe(true);
    expect(String(error)).toMatch(/ids up to 99, but the model's embedding has 96 rows/);
    await expect(readFile(join(output, 'aquila-config.json'))).rejects.toThrow();

    await writeFile(join(directory, 'tokenizer.model'), sentencePieceModel(shape.vocabSize + 1));
    await writeFile(join(directory, 'tokenizer.json'), tokenizerJson(shape.vocabSize - 6));
    const warnings: string[] = [];
    await convertCheckpoint({ checkpoint: directory, output, onWarning: (message) => warnings.push(message) });
    expect(warnings).toEqual([
      expect.stringMatching(
        /tokenizer\.json: the tokenizer has 90 ids and the embedding 96 rows; the 6 rows .* are padding/,
      ),
    ]);
  });

  it("merges Meta's model-parallel consolidated.00.pth and .01.pth into the model the single file holds", async () => {
    const convertMeta = async (label: string, modelParallel: number): Promise<string> => {
      const directory = join(workspace.path, label);
      await writeRandomCheckpoint({
        directory,
        shape,
        naming: 'flagai',
        format: 'consolidated',
        modelParallel,
        seed: 5,
      });
      const output = join(workspace.path, `${label}-out`);
      await convertCheckpoint({ checkpoint: directory, output });
      return output;
    };
    const single = await convertMeta('meta-single', 1);
    const sharded = await convertMeta('meta-sharded', 2);
    expect(await readFile(join(sharded, 'model.onnx.data'))).toEqual(await readFile(join(single, 'model.onnx.data')));
    const continuation = async (path: string): Promise<number[]> => {
      const model = await LanguageModel.load({ path, tokenizer: null });
      try {
        return (await model.generate({ promptIds: [5, 17, 3, 42], maxNewTokens: 12, stopTokenIds: [] })).tokenIds;
      } finally {
        await model.release();
      }
    };
    const expected = await continuation(single);
    expect(expected).toHaveLength(12);
    expect(await continuation(sharded)).toEqual(expected);
  });
});
