import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';
import { convertCheckpoint } from './convert-checkpoint.js';
import { checkConvertedModelVersion, convertedModelVersion } from './converted-model-config.js';
import { ModelConfigError } from './errors.js';
import { LanguageModel } from './language-model.js';
import { temporaryDirectory, tinyArchitectures, tinyShapes } from './test-support/tiny-models.js';

let workspace: Awaited<ReturnType<typeof temporaryDirectory>>;
beforeAll(async () => {
  workspace = await temporaryDirectory('format-version');
});
afterAll(async () => {
  await workspace.remove();
});

describe('the converted model format version', () => {
  it('is 4 where the runtime must apply a sliding window or an fp16 cache, else 3 (which older runtimes run)', () => {
    expect(convertedModelVersion({ shape: tinyArchitectures.mistral })).toBe(4);
    expect(convertedModelVersion({ shape: tinyShapes.groupedWide, cachePrecision: 'fp16' })).toBe(4);
    expect(convertedModelVersion({ shape: tinyShapes.groupedWide, cachePrecision: 'fp32' })).toBe(3);
    for (const shape of [tinyArchitectures.llama32, tinyArchitectures.codeLlama, tinyShapes.multiHead])
      expect(convertedModelVersion({ shape })).toBe(3);
  });

  it('is read at 3 and 4; older versions are to be converted again, newer ones need a newer runtime', () => {
    expect(() => checkConvertedModelVersion(3, 'aquila-config.json')).not.toThrow();
    expect(() => checkConvertedModelVersion(4, 'aquila-config.json')).not.toThrow();
    expect(() => checkConvertedModelVersion(2, 'old/aquila-config.json')).toThrow(
      /old\/aquila-config\.json: the graph is aquila-onnx-decoder version 2, .*runs versions 3 and 4; convert the checkpoint again/,
    );
    expect(() => checkConvertedModelVersion(5, 'aquila-config.json')).toThrow(ModelConfigError);
    expect(() => checkConvertedModelVersion(5, 'aquila-config.json')).toThrow(/update @aquila\/runtime/);
  });

  it('is written by the converter (4 for a window or an fp16 cache, which 0.1 runtimes refuse), and read in both', async () => {
    const cases = [
      ['plain', tinyShapes.multiHead, 'fp32', 3],
      ['window', tinyArchitectures.mistral, 'fp32', 4],
      ['fp16-cache', tinyShapes.multiHead, 'fp16', 4],
    ] as const;
    for (const [label, shape, cachePrecision, version] of cases) {
      const checkpoint = join(workspace.path, label);
      await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format: 'safetensors' });
      const output = join(workspace.path, `${label}-out`);
      expect((await convertCheckpoint({ checkpoint, output, cachePrecision })).version, label).toBe(version);
      // @aquila/runtime 0.1 ran only `version === 3`: it refuses what it would run wrongly.
      expect(JSON.parse(await readFile(join(output, 'aquila-config.json'), 'utf8')).version, label).toBe(version);
      const model = await LanguageModel.load({ path: output, tokenizer: null });
      try {
        const result = await model.generate({ promptIds: [5, 17, 3], maxNewTokens: 2, stopTokenIds: [] });
        expect(result.tokenIds, label).toHaveLength(2);
      } finally {
        await model.release();
      }
    }
  });
});
