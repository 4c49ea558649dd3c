// Peak memory of converting a multi-GB checkpoint: a 1.2B-parameter BF16 checkpoint (2.4 GB, Aquila-7B
// widths and vocabulary, 2 layers) converted to fp32 (an external data file over 2 GB) and int4, each in a
// fresh process; then the fp32 model is loaded and generates, to show the > 2 GB weights load.
// Run: pnpm --filter @aquila/runtime bench (after generate.ts)
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { moduleCommand } from '@aquila/files';
import { aquilaSpecialTokenIds } from '@aquila/prompts';
import { LanguageModel, layerWeightName, type ModelShape, modelWeightName } from '../src/index.js';
import { aquila7bShape } from '../src/test-support/aquila-7b-shape.js';

const shape: ModelShape = { ...aquila7bShape, layerCount: 2 };

/** Writes a BF16 safetensors checkpoint a slab at a time (random values of unit-ish scale), never holding a tensor whole. */
async function writeLargeCheckpoint(directory: string): Promise<{ bytes: number; largest: number }> {
  const { hiddenSize: hidden, intermediateSize: intermediate, vocabSize } = shape;
  const tensors: [string, number[], number][] = [[modelWeightName('hf', 'embedding'), [vocabSize, hidden], 1]];
  for (let layer = 0; layer < shape.layerCount; layer++) {
    const name = (weight: Parameters<typeof layerWeightName>[2]) => layerWeightName('hf', layer, weight);
    tensors.push(
      [name('attentionNorm'), [hidden], 0],
      [name('query'), [hidden, hidden], 1 / 64],
      [name('key'), [hidden, hidden], 1 / 64],
      [name('value'), [hidden, hidden], 1 / 64],
    );
    tensors.push(
      [name('attentionOutput'), [hidden, hidden], 1 / 64],
      [name('feedForwardNorm'), [hidden], 0],
      [name('gate'), [intermediate, hidden], 1 / 64],
    );
    tensors.push([name('up'), [intermediate, hidden], 1 / 64], [name('down'), [hidden, intermediate], 1 / 105]);
  }
  tensors.push(
    [modelWeightName('hf', 'finalNorm'), [hidden], 0],
    [modelWeightName('hf', 'languageModelHead'), [vocabSize, hidden], 1 / 64],
  );
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, dims] of tensors) {
    const length = dims.reduce((product, size) => product * size, 1) * 2;
    header[name] = { dtype: 'BF16', shape: dims, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const handle = await open(join(directory, 'model.safetensors'), 'w');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  await handle.write(prefix);
  await handle.write(json);
  const slab = new Uint16Array(8 * 1024 * 1024);
  const float = new Float32Array(1);
  const bits = new Uint32Array(float.buffer);
  let state = 0x12345678;
  for (const [, dims, scale] of tensors) {
    let remaining = dims.reduce((product, size) => product * size, 1);
    while (remaining > 0) {
      const count = Math.min(remaining, slab.length);
      for (let index = 0; index < count; index++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        // Norm weights (scale 0) are 1; the rest uniform in ±scale·√3.
        float[0] = scale === 0 ? 1 : ((state >>> 0) / 2 ** 32 - 0.5) * 3.46 * scale;
        slab[index] = (bits[0] as number) >>> 16;
      }
      await handle.write(new Uint8Array(slab.buffer, 0, count * 2));
      remaining -= count;
    }
  }
  await handle.close();
  const config = {
    hidden_size: shape.hiddenSize,
    intermediate_size: shape.intermediateSize,
    num_hidden_layers: shape.layerCount,
    num_attention_heads: shape.headCount,
    rms_norm_eps: shape.rmsNormEpsilon,
    max_position_embeddings: shape.maxPositions,
    vocab_size: shape.vocabSize,
    bos_token_id: aquilaSpecialTokenIds.bos,
    eos_token_id: aquilaSpecialTokenIds.eos,
  };
  await writeFile(join(directory, 'config.json'), JSON.stringify(config));
  return { bytes: 8 + json.length + offset, largest: vocabSize * hidden * 4 };
}

async function main(): Promise<void> {
  const workspace = await mkdtemp(join(tmpdir(), 'aquila-runtime-convert-memory-'));
  try {
    const checkpoint = join(workspace, 'checkpoint');
    await mkdir(checkpoint);
    const { bytes, largest } = await writeLargeCheckpoint(checkpoint);
    const child = moduleCommand({ from: import.meta.url, source: './convert-child.ts' });
    const rows: string[][] = [];
    for (const precision of ['fp32', 'int4']) {
      const output = join(workspace, precision);
      const started = performance.now();
      const { stdout } = await promisify(execFile)(process.execPath, [
        ...child.execArgv,
        child.path,
        checkpoint,
        output,
        precision,
      ]);
      const seconds = (performance.now() - started) / 1000;
      const peak = Number(stdout.trim());
      const data = (await stat(join(output, 'model.onnx.data'))).size;
      rows.push([
        precision,
        (bytes / 1e9).toFixed(2),
        (data / 1e9).toFixed(2),
        (largest / 2 ** 20).toFixed(0),
        (peak / 2 ** 20).toFixed(0),
        `${((peak / bytes) * 100).toFixed(0)}%`,
        seconds.toFixed(0),
      ]);
    }
    const model = await LanguageModel.load({ path: join(workspace, 'fp32') });
    const result = await model.generate({
      promptIds: [aquilaSpecialTokenIds.bos, 1234, 5678, 910],
      maxNewTokens: 3,
      stopTokenIds: [],
    });
    await model.release();
    const header = [
      'precision',
      'checkpoint GB (BF16)',
      'weights file GB',
      'largest tensor MiB (fp32)',
      'convert peak RSS MiB',
      'peak / checkpoint',
      'seconds',
    ];
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((cells) => (cells[column] as string).length)),
    );
    const line = (cells: string[]) =>
      `| ${cells.map((cell, column) => cell.padStart(widths[column] as number)).join(' | ')} |\n`;
    process.stdout.write(
      `\n@aquila/runtime convert-memory bench: ${shape.layerCount} layers of Aquila-7B width (4096/11008, vocab ${shape.vocabSize}), converted in a fresh process each\n\n` +
        line(header) +
        `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n` +
        rows.map(line).join('') +
        `\nthe fp32 model (weights file over 2 GB) loads from its folder and generated ${result.tokenIds.length} tokens: ${result.tokenIds.join(' ')}\n`,
    );
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

await main();
