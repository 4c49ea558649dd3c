import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { RunConfigError } from './errors.js';
import { loadRunConfig, parseRunConfig } from './parse-run-config.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));

function errorOf(text: string): RunConfigError {
  try {
    parseRunConfig({ text, file: '/runs/run.yaml' });
  } catch (error) {
    if (RunConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a RunConfigError');
}

describe('parseRunConfig', () => {
  it("reads FlagAI's Aquila-sft-sql.yaml as FlagAI ran it", async () => {
    const config = await loadRunConfig({ path: join(fixtures, 'Aquila-sft-sql.yaml') });
    expect(config.task).toBe('sft');
    expect(config.data.sftFile).toBe(join(fixtures, 'data/sql_generate_from_spider_wikisql_train_weighted.jsonl'));
    expect(config.model.sequenceLength).toBe(2048);
    expect(config.schedule).toEqual({ epochs: 3, warmupFraction: 0.1, decayStyle: 'linear' });
    expect(config.optimizer).toEqual({
      lr: 9.65e-6,
      minLr: 0,
      weightDecay: 0.1,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      clipGrad: 1,
    });
    expect(config.batch).toEqual({ microBatchSize: 4, gradientAccumulationSteps: 1, globalBatchSize: 32 });
    expect(config.precision).toBe('fp16');
    expect(config.checkpoints).toEqual({ saveInterval: 2000, saveOptimizer: false, saveRng: false });
    expect(config.flagscale.entrypoint).toBe('./flagscale/train/train_aquila_sft.py');
    expect(config.notes).toMatchInlineSnapshot(`
      [
        "bmt_cpu_offload: accepted, no effect here (BMTrain optimizer offload)",
        "bmt_pre_load: accepted, no effect here (BMTrain weight pre-loading (set model.checkpoint to start from weights))",
        "enable_flash_attn_models: accepted, no effect here (flash-attn model classes (FlagScale always uses flash attention))",
      ]
    `);
  });

  it("reads FlagAI's Aquila-pretrain-4n8g.yaml with the sampler settings its script hard-codes", async () => {
    const config = await loadRunConfig({ path: join(fixtures, 'Aquila-pretrain-4n8g.yaml') });
    expect(config.task).toBe('pretrain');
    expect(config.data).toEqual({
      blend: [
        {
          prefix: join(
            fixtures,
            'pretrain_data/opensource-sql-data-weighted-pretrain_add_sql_bw_add_chase-1turn-add-bw_text_document',
          ),
          weight: 1,
        },
      ],
      split: '90,10',
      seed: 2023,
      packing: false,
    });
    expect(config.model.sequenceLength).toBe(1024);
    expect(config.optimizer.lr).toBe(2e-7);
    expect(config.optimizer.minLr).toBeCloseTo(2e-8, 20);
    expect(config.optimizer.eps).toBe(1e-8);
    expect(config.schedule).toEqual({ epochs: 3, warmupFraction: 0.01, decayStyle: 'cosine' });
    expect(config.logInterval).toBe(10);
  });

  it('reads the native format with defaults filled in and paths resolved against the file', () => {
    const config = parseRunConfig({
      file: '/work/runs/sft.yaml',
      text: `
name: sql-sft
task: sft
output: out
model: { layers: 2, hiddenSize: 64, attentionHeads: 4, vocabSize: 100008, sequenceLength: 256 }
data: { sftFile: data/sft.jsonl }
optimizer: { lr: 3.0e-4 }
schedule: { trainIterations: 1000, warmupSamples: 64, decayStyle: linear }
batch: { microBatchSize: 2, globalBatchSize: 64 }
parallelism: { nodes: 2, gpusPerNode: 8, tensor: 2, hostfile: hosts }
flagscale: { root: /opt/FlagScale, environment: { CUDA_DEVICE_MAX_CONNECTIONS: "1" } }
`,
    });
    expect(config.output).toBe('/work/runs/out');
    expect(config.model.ffnHiddenSize).toBe(256);
    expect(config.data.sftFile).toBe('/work/runs/data/sft.jsonl');
    expect(config.batch).toEqual({ microBatchSize: 2, gradientAccumulationSteps: 4, globalBatchSize: 64 });
    expect(config.parallelism.hostfile).toBe('/work/runs/hosts');
    expect(config.schedule).toEqual({ trainIterations: 1000, warmupSamples: 64, decayStyle: 'linear' });
    expect(config.notes).toEqual([]);
  });

  it('names the path of unknown, mistyped, conflicting and missing keys', () => {
    expect(errorOf('lrr: 1.0e-5\n').message).toBe('/runs/run.yaml: lrr: unknown key; did you mean "lr"?');
    expect(
      errorOf('optimizer: { lr: 1.0e-5, betaa1: 0.9 }\ndata: { blend: [{ prefix: x, weight: 1 }] }').message,
    ).toMatch(/optimizer\.betaa1: unknown key; did you mean "beta1"\?/);
    expect(errorOf('data: { blend: [{ prefix: x, weight: -1 }] }').message).toMatch(
      /data\.blend\[0\]\.weight: must be greater than 0, got -1/,
    );
    expect(errorOf('lr: 1.0e-5\noptimizer: { lr: 2.0e-5 }\ndata: { blend: [{ prefix: x, weight: 1 }] }').path).toBe(
      'optimizer.lr',
    );
    expect(errorOf('fp16: True\nbf16: True\ndata: { blend: [{ prefix: x, weight: 1 }] }').message).toMatch(
      /bf16: conflicts with "fp16"/,
    );
    expect(errorOf('schedule: { epochs: 1, trainSamples: 5 }\ndata: { blend: [{ prefix: x, weight: 1 }] }').path).toBe(
      'schedule.trainSamples',
    );
    expect(errorOf('pretrain_data: True\nenable_sft_conversations_dataset_v2: True\n').path).toBe(
      'enable_sft_conversations_dataset_v2',
    );
    expect(errorOf('task: pretrain\n').path).toBe('data.blend');
    expect(
      errorOf('batch: { microBatchSize: 3, globalBatchSize: 32 }\ndata: { blend: [{ prefix: x, weight: 1 }] }').path,
    ).toBe('batch.globalBatchSize');
    expect(errorOf('epochs: 2.5\n').message).toMatch(/epochs: expected an integer/);
    expect(errorOf('lr: 1\nlr: 2\n').message).toMatch(/not valid YAML at line 2/);
    expect(errorOf('- a\n- b\n').message).toMatch(/must be a YAML mapping/);
  });

  it('reports an unreadable file as a RunConfigError', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-config-'));
    try {
      await expect(loadRunConfig({ path: join(directory, 'missing.yaml') })).rejects.toThrow(
        /missing\.yaml: cannot read the config file \(ENOENT\)/,
      );
      await writeFile(join(directory, 'empty.yaml'), '');
      await expect(loadRunConfig({ path: join(directory, 'empty.yaml') })).rejects.toThrow(
        /data\.blend: a pretraining run needs/,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('names the file and what is wrong for a folder, bytes that are not UTF-8, and YAML that is broken or mistyped', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-config-'));
    const load = async (name: string, text?: string | Uint8Array): Promise<RunConfigError> => {
      const path = join(directory, name);
      if (text !== undefined) await writeFile(path, text);
      const error: unknown = await loadRunConfig({ path }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      if (!RunConfigError.isInstance(error))
        throw new Error(`expected a RunConfigError for ${name}, got ${String(error)}`);
      expect(error.message.startsWith(`${path}: `)).toBe(true);
      expect(error.message).not.toMatch(/[\r\n]/);
      return error;
    };
    try {
      expect((await load('missing.yaml')).message).toMatch(
        /cannot read the config file \(ENOENT\): there is no such file; check the path$/,
      );
      await mkdir(join(directory, 'folder.yaml'));
      expect((await load('folder.yaml')).message).toMatch(
        /cannot read the config file \(EISDIR\): it is a folder; give the path of the YAML file$/,
      );
      expect(
        (await load('latin1.yaml', Uint8Array.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]))).message,
      ).toMatch(/not UTF-8 text/);
      expect((await load('broken.yaml', 'model: { layers: 2\n')).message).toMatch(
        /broken\.yaml: not valid YAML at line \d+, column \d+: /,
      );
      expect((await load('typed.yaml', 'model: { layers: two }\n')).message).toMatch(
        /typed\.yaml: model\.layers: expected a number, got string "two"$/,
      );
      expect((await load('huge.yaml', 'schedule: { trainIterations: 1.0e+20 }\n')).path).toBe(
        'schedule.trainIterations',
      );
      expect((await load('infinite.yaml', 'optimizer: { lr: .inf }\n')).message).toMatch(
        /optimizer\.lr: expected a number, got number Infinity$/,
      );
      // A blend entry without its prefix failed later as a TypeError; without its weight, FlagScale got "undefined".
      expect((await load('no-prefix.yaml', 'data: { blend: [{ weight: 1 }] }\n')).message).toMatch(
        /data\.blend\[0\]\.prefix: missing; this entry needs prefix and weight$/,
      );
      expect((await load('no-weight.yaml', 'data: { blend: [{ prefix: x }] }\n')).path).toBe('data.blend[0].weight');
      // Aliases: one without its anchor, and a "billion laughs" that would expand without bound.
      expect((await load('alias.yaml', 'name: *nowhere\n')).message).toMatch(/not valid YAML/);
      const laughs = [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        ...'bcdefg'
          .split('')
          .map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefg'[index]}`).join(', ')}]`),
      ].join('\n');
      expect((await load('laughs.yaml', `${laughs}\n`)).message).toMatch(/not valid YAML: .*alias/i);
      // Keys with line breaks, or empty, are named in one line.
      expect((await load('key.yaml', '"a\\nb": 1\n')).message).toMatch(/key\.yaml: "a\\nb": unknown key$/);
      expect((await load('empty-key.yaml', ': 1\n')).message).toMatch(/empty-key\.yaml: "": unknown key$/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('any YAML document or text gives a config or a RunConfigError naming the file in one line (fuzzed, in a worker)', async () => {
    const module = new URL('./parse-run-config.properties.ts', import.meta.url);
    await checkPropertyInWorker({ module, exportName: 'documentsGiveAConfigOrARunConfigError', timeoutMs: 120_000 });
    await checkPropertyInWorker({ module, exportName: 'anyTextGivesAConfigOrARunConfigError', timeoutMs: 120_000 });
  }, 300_000);
});
