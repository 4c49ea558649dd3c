import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanguageModel } from '@aquila/runtime';
import { writeRandomCheckpoint } from '@aquila/runtime/testing';
import { loadAquilaTokenizer, writeTokenizerFiles } from '@aquila/tokenizer';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../test-support/capture-output.js';
import { registerConvertCommand } from './convert.js';
import { registerGenerateCommand } from './generate.js';

const shape = {
  vocabSize: 64,
  hiddenSize: 64,
  intermediateSize: 128,
  layerCount: 1,
  headCount: 4,
  keyValueHeadCount: 2,
  headSize: 16,
  rmsNormEpsilon: 1e-5,
  ropeTheta: 10000,
  maxPositions: 32,
  tiedEmbeddings: false,
};

function capture() {
  const context = captureOutput();
  const program = new Command().exitOverride().configureOutput({
    writeErr: (text) => context.stderr.write(text),
    writeOut: (text) => context.stdout.write(text),
  });
  registerConvertCommand(program, context);
  registerGenerateCommand(program, context);
  return { program, output: context.output, errors: context.errors };
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-convert-'));
  await writeRandomCheckpoint({ directory: join(directory, 'checkpoint'), shape, naming: 'hf', format: 'safetensors' });
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('aquila convert / generate', () => {
  it('converts with a progress display, then generates from token ids and a JSONL batch', async () => {
    const convert = capture();
    await convert.program.parseAsync(
      ['convert', '--model', join(directory, 'checkpoint'), '--out', join(directory, 'int8'), '--dtype', 'int8'],
      { from: 'user' },
    );
    expect(convert.output()).toMatch(
      /converted .* to .*int8: int8, 1 layers, hidden 64, 4 heads \/ 2 kv, vocab 64, context 32; tokenizer files: none/,
    );
    expect(convert.errors()).toMatch(/convert 100% 11\/11/);

    const single = capture();
    await single.program.parseAsync(
      ['generate', '--model', join(directory, 'int8'), '--prompt-ids', '1,2,3', '--max-new-tokens', '5'],
      { from: 'user' },
    );
    const ids = single.output().trim().split(/\s+/).map(Number);
    expect(ids).toHaveLength(5);

    const input = join(directory, 'input.jsonl');
    await import('node:fs/promises').then(({ writeFile }) =>
      writeFile(
        input,
        '{"prompt_ids": [1, 2, 3], "max_new_tokens": 5}\n\n{"prompt_ids": [4], "max_new_tokens": 3, "temperature": 0.8, "seed": 3}\n',
      ),
    );
    const batch = capture();
    await batch.program.parseAsync(['generate', '--model', join(directory, 'int8'), '--input', input], {
      from: 'user',
    });
    const lines = batch
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { token_ids: number[]; finish_reason: string });
    expect(lines.map((line) => line.token_ids.length)).toEqual([5, 3]);
    expect(lines[0]?.token_ids).toEqual(ids);
    expect(JSON.parse(await readFile(join(directory, 'int8', 'aquila-config.json'), 'utf8'))).toMatchObject({
      precision: 'int8',
      blockSize: 32,
    });
  });

  it('prints what converting and generating will hold before they start; takes one weight file; warns of padding rows', async () => {
    const checkpoint = join(directory, 'checkpoint');
    const convert = capture();
    await convert.program.parseAsync(
      [
        'convert',
        '--model',
        join(checkpoint, 'model.safetensors'),
        '--out',
        join(directory, 'fp16'),
        '--dtype',
        'fp16',
        '--cache-dtype',
        'fp16',
      ],
      { from: 'user' },
    );
    expect(convert.errors()).toMatch(
      /^estimate: writes 0\.0 GB of weights; converting holds about 0\.3 GB of memory \(largest step: .*\)\nestimate: generating from it holds about 0\.3 GB of memory: weights 0\.0 GB, KV cache up to 0\.0 GB \(8 sequences × 32 positions\)/,
    );
    expect(convert.output()).toMatch(/to .*fp16: fp16, 1 layers/);
    expect(JSON.parse(await readFile(join(directory, 'fp16', 'aquila-config.json'), 'utf8'))).toMatchObject({
      precision: 'fp16',
      cachePrecision: 'fp16',
    });
    const run = capture();
    await run.program.parseAsync(
      ['generate', '--model', join(directory, 'fp16'), '--prompt-ids', '1,2,3', '--max-new-tokens', '3'],
      { from: 'user' },
    );
    expect(run.errors()).toMatch(/estimate: generating holds about 0\.3 GB of memory: .*\(1 sequence × 32 positions\)/);
    expect(run.output().trim().split(/\s+/)).toHaveLength(3);

    // A tokenizer of 60 ids for an embedding of 64 rows: the 4 past its last id are padding.
    const vocab = Object.fromEntries(Array.from({ length: 60 }, (_, id) => [`t${id}`, id]));
    await writeFile(join(checkpoint, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab, merges: [] } }));
    const padded = capture();
    await padded.program.parseAsync(['convert', '--model', checkpoint, '--out', join(directory, 'padded')], {
      from: 'user',
    });
    await rm(join(checkpoint, 'tokenizer.json'));
    expect(padded.errors()).toMatch(/warning: .*tokenizer\.json: the tokenizer has 60 ids and the embedding 64 rows/);
  });

  it('streams text for a --prompt with the tokenizer files carried by the converted folder', async () => {
    const checkpoint = join(directory, 'aquila-vocab');
    await writeRandomCheckpoint({
      directory: checkpoint,
      shape: { ...shape, vocabSize: 100008 },
      naming: 'hf',
      format: 'safetensors',
    });
    // Aquila's tokenizer.json and special_tokens_map.json, as a checkpoint carries them.
    await writeTokenizerFiles({ tokenizer: await loadAquilaTokenizer(), directory: checkpoint });
    await capture().program.parseAsync(
      ['convert', '--model', checkpoint, '--out', join(directory, 'aquila-onnx'), '--dtype', 'int4'],
      { from: 'user' },
    );
    const run = capture();
    await run.program.parseAsync(
      [
        'generate',
        '--model',
        join(directory, 'aquila-onnx'),
        '--prompt',
        '有多少辆汽车？ select',
        '--max-new-tokens',
        '6',
      ],
      { from: 'user' },
    );
    const model = await LanguageModel.load({ path: join(directory, 'aquila-onnx') });
    const expected = await model.generate({ prompt: '有多少辆汽车？ select', maxNewTokens: 6 });
    await model.release();
    expect(run.output()).toBe(`${expected.text}\n`);
    expect(expected.tokenIds).toHaveLength(6);
    const preset = capture();
    await preset.program.parseAsync(
      [
        'generate',
        '--model',
        join(directory, 'aquila-onnx'),
        '--prompt',
        '有多少\n\n辆汽车？',
        '--preset',
        'flagai',
        '--max-new-tokens',
        '4',
      ],
      { from: 'user' },
    );
    const withBos = await LanguageModel.load({ path: join(directory, 'aquila-onnx') });
    const tokenizer = withBos.tokenizer as NonNullable<typeof withBos.tokenizer>;
    const flagai = await withBos.generate({
      promptIds: [100006, ...tokenizer.encode('有多少\n辆汽车？')],
      maxNewTokens: 4,
      stopTokenIds: [100007, 0],
      stopStrings: ['###', '[UNK]', '</s>'],
    });
    await withBos.release();
    expect(preset.output()).toBe(`${flagai.text}\n`);
  });

  it('detects a FlagAI flash-attn checkpoint and converts it to the same model as the HF layout', async () => {
    // params.json (FlagAI keys) derives the FFN width from dim: 192 for dim 64.
    const flagaiShape = { ...shape, intermediateSize: 192 };
    const generated: string[] = [];
    for (const naming of ['flash', 'hf'] as const) {
      await writeRandomCheckpoint({
        directory: join(directory, `${naming}-checkpoint`),
        shape: flagaiShape,
        naming,
        format: naming === 'flash' ? 'bin' : 'safetensors',
        seed: 4,
      });
      const convert = capture();
      await convert.program.parseAsync(
        ['convert', '--model', join(directory, `${naming}-checkpoint`), '--out', join(directory, `${naming}-onnx`)],
        { from: 'user' },
      );
      expect(convert.output()).toContain(`(${naming} names)`);
      const run = capture();
      await run.program.parseAsync(
        ['generate', '--model', join(directory, `${naming}-onnx`), '--prompt-ids', '5,9,2', '--max-new-tokens', '6'],
        { from: 'user' },
      );
      generated.push(run.output());
    }
    expect(generated[0]?.trim().split(/\s+/)).toHaveLength(6);
    expect(generated[0]).toBe(generated[1]);
  });

  it('rejects bad flags and inputs with clear messages', async () => {
    const badDtype = capture();
    await expect(
      badDtype.program.parseAsync(['convert', '--model', 'x', '--out', 'y', '--dtype', 'fp8'], { from: 'user' }),
    ).rejects.toThrow();
    expect(badDtype.errors()).toMatch(/use fp32, int8 or int4/);
    const missing = capture();
    await expect(
      missing.program.parseAsync(['convert', '--model', join(directory, 'nowhere'), '--out', join(directory, 'o')], {
        from: 'user',
      }),
    ).rejects.toThrow(/no config.json or params.json/);
    const both = capture();
    await expect(
      both.program.parseAsync(['generate', '--model', join(directory, 'int8')], { from: 'user' }),
    ).rejects.toThrow(/exactly one of --prompt, --prompt-ids or --input/);
    const badLine = join(directory, 'bad.jsonl');
    await import('node:fs/promises').then(({ writeFile }) =>
      writeFile(badLine, '{"prompt_ids": [1]}\n{"text": "no prompt"}\n'),
    );
    const lines = capture();
    await expect(
      lines.program.parseAsync(['generate', '--model', join(directory, 'int8'), '--input', badLine], { from: 'user' }),
    ).rejects.toThrow(/bad.jsonl:2: each line needs "prompt"/);
    const text = capture();
    await expect(
      text.program.parseAsync(['generate', '--model', join(directory, 'int8'), '--prompt', 'hello'], { from: 'user' }),
    ).rejects.toThrow(/needs a tokenizer/);
  });
});
