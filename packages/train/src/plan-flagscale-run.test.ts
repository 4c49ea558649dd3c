import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, needs } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { DataPrefixError, RunConfigError } from './errors.js';
import { parseRunConfig } from './parse-run-config.js';
import { formatCommandLine, planFlagScaleRun } from './plan-flagscale-run.js';

const indexed = fixturePath('flagai', 'indexed_dataset');
const pyYaml = needs({ pyYaml: true });

const configText = `
name: sql-pretrain
output: /runs/sql-pretrain
model: { layers: 32, hiddenSize: 4096, attentionHeads: 32, sequenceLength: 1024, checkpoint: /ckpt/aquila-7b }
data: { blend: [{ prefix: ${join(indexed, 'demo_text_document')}, weight: 1 }], split: "90,10" }
optimizer: { lr: 2.0e-7 }
schedule: { epochs: 3, warmupFraction: 0.01, decayStyle: cosine }
batch: { microBatchSize: 8 }
parallelism: { nodes: 4, gpusPerNode: 8, hostfile: /etc/hostfile }
precision: fp16
checkpoints: { saveInterval: 2000, saveOptimizer: true, saveRng: false }
flagscale: { root: /opt/FlagScale }
`;

describe('planFlagScaleRun', () => {
  it("writes FlagScale's experiment and task YAMLs and the run.py commands", async () => {
    const plan = await planFlagScaleRun({
      config: parseRunConfig({ text: configText, file: '/runs/sql-pretrain.yaml' }),
    });
    // The demo train split holds 18 documents of 31,838 tokens: 31 samples of 1,025 tokens per epoch.
    expect(plan.length).toEqual({ trainSamples: 93 });
    expect(plan.totalIterations).toBe(1);
    expect(formatCommandLine(plan.run)).toBe(
      'cd /opt/FlagScale && python3 run.py --config-path /runs/sql-pretrain/config --config-name train action=run',
    );
    expect(formatCommandLine(plan.stop)).toMatch(/action=stop$/);
    expect(plan.files.map(({ path }) => path)).toEqual([
      '/runs/sql-pretrain/config/train.yaml',
      '/runs/sql-pretrain/config/train/aquila.yaml',
    ]);
    expect(plan.files[0]?.text).toMatchInlineSnapshot(`
      "defaults:
        - train: aquila
        - _self_
      experiment:
        exp_name: sql-pretrain
        exp_dir: /runs/sql-pretrain/flagscale
        task:
          type: train
          backend: megatron
          entrypoint: ./flagscale/train/train_gpt.py
        runner:
          backend: torchrun
          nnodes: 4
          nproc_per_node: 8
          hostfile: /etc/hostfile
        envs:
          CUDA_DEVICE_MAX_CONNECTIONS: 1
      action: run
      hydra:
        run:
          dir: \${experiment.exp_dir}/hydra
      "
    `);
    expect(plan.files[1]?.text).toContain(
      '    lr_scheduler:\n      lr: 2.0e-07\n      min_lr: 2.0e-08\n      lr_warmup_samples: 0\n      lr_decay_style: cosine\n',
    );
    expect(plan.files[1]?.text).toContain(
      `data:\n  data_path: ${join(indexed, 'demo_text_document')}\n  split: "90,10"\n`,
    );
  });

  it("resumes from the run's own latest checkpoint instead of model.checkpoint", async () => {
    const output = await mkdtemp(join(tmpdir(), 'aquila-resume-'));
    try {
      await mkdir(join(output, 'flagscale', 'checkpoints'), { recursive: true });
      await writeFile(join(output, 'flagscale', 'checkpoints', 'latest_checkpointed_iteration.txt'), '200\n');
      const config = parseRunConfig({
        text: configText.replace('output: /runs/sql-pretrain', `output: ${output}`),
        file: '/runs/sql-pretrain.yaml',
      });
      const plan = await planFlagScaleRun({ config });
      expect(plan.resumeIteration).toBe(200);
      expect(plan.files[1]?.text).toContain(
        `  checkpoint:\n    save_interval: 2000\n    load: ${join(output, 'flagscale', 'checkpoints')}\n    no_save_rng: true\n`,
      );
    } finally {
      await rm(output, { recursive: true, force: true });
    }
  });

  it.skipIf(pyYaml.skip)(`writes YAML that PyYAML reads back with the intended types ${pyYaml.label}`, async () => {
    const plan = await planFlagScaleRun({
      config: parseRunConfig({ text: configText, file: '/runs/sql-pretrain.yaml' }),
    });
    const script =
      'import json, sys, yaml\nprint(json.dumps([yaml.safe_load(t) for t in json.loads(sys.stdin.read())]))';
    const result = spawnSync('python3', ['-c', script], {
      input: JSON.stringify(plan.files.map(({ text }) => text)),
      encoding: 'utf8',
    });
    const [experiment, task] = JSON.parse(result.stdout) as [
      Record<string, unknown>,
      Record<string, Record<string, unknown>>,
    ];
    expect(experiment.defaults).toEqual([{ train: 'aquila' }, '_self_']);
    expect(task.model).toMatchObject({
      norm_epsilon: 1e-5,
      train_samples: 93,
      optimizer: { adam_eps: 1e-8, lr_scheduler: { lr: 2e-7, min_lr: 2e-8 } },
    });
    expect(task.system).toMatchObject({
      precision: { fp16: true },
      checkpoint: { load: '/ckpt/aquila-7b', no_save_rng: true, save_interval: 2000 },
    });
    expect(task.data).toMatchObject({
      split: '90,10',
      tokenizer: { tokenizer_type: 'AquilaTokenizerFS', vocab_size: 100008 },
    });
  });

  it('blends several prefixes as "weight prefix" pairs and reports a missing prefix by its path', async () => {
    const prefix = join(indexed, 'demo_text_document');
    const blended = parseRunConfig({
      text: `data: { blend: [{ prefix: ${prefix}, weight: 0.7 }, { prefix: ${prefix}, weight: 0.3 }] }\nschedule: { trainIterations: 10 }\n`,
    });
    const plan = await planFlagScaleRun({ config: blended });
    expect(plan.files[1]?.text).toContain(`  data_path:\n    - "0.7"\n    - ${prefix}\n    - "0.3"\n    - ${prefix}\n`);
    expect(plan.totalIterations).toBe(10);
    const missing = parseRunConfig({
      text: `data: { blend: [{ prefix: ${join(indexed, 'nothing_here')}, weight: 1 }] }\n`,
    });
    await expect(planFlagScaleRun({ config: missing })).rejects.toThrow(DataPrefixError);
    await expect(planFlagScaleRun({ config: missing })).rejects.toThrow(
      /data\.blend\[0\]\.prefix: .*nothing_here\.idx does not exist/,
    );
    // A pair whose .bin is shorter than its .idx says.
    const directory = await mkdtemp(join(tmpdir(), 'aquila-prefix-'));
    try {
      await copyFile(`${prefix}.idx`, join(directory, 'cut_text_document.idx'));
      await writeFile(join(directory, 'cut_text_document.bin'), (await readFile(`${prefix}.bin`)).subarray(0, 100));
      const cut = parseRunConfig({
        text: `data: { blend: [{ prefix: ${join(directory, 'cut_text_document')}, weight: 1 }] }\n`,
      });
      await expect(planFlagScaleRun({ config: cut })).rejects.toThrow(
        /data\.blend\[0\]\.prefix: .*cut_text_document\.bin: 100 bytes/,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    const sft = parseRunConfig({ text: 'data: { sftFile: x.jsonl }\n' });
    await expect(planFlagScaleRun({ config: sft })).rejects.toThrow(RunConfigError);
  });
});
