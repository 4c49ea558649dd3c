import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpoint } from '@aquila/formats';
import { fixturePath } from '@aquila/test-kit';
import { loadAquilaTokenizer, loadTokenizer } from '@aquila/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunConfigError } from '../errors.js';
import { processStartTime } from '../internal/process-start-time.js';
import { parseRunConfig } from '../parse-run-config.js';
import { plotRun } from '../plot-run.js';
import { readRunStatus } from '../read-run-status.js';
import { trainLocally } from './train-locally.js';

const fixtures = fixturePath('flagai');
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-local-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const tinyModel = 'model: { layers: 1, hiddenSize: 32, attentionHeads: 4, ffnHiddenSize: 64, sequenceLength: 96 }';

describe('trainLocally', () => {
  it("runs SFT on FlagAI's AquilaSQL sample in-process, with checkpoints, status and a chart", async () => {
    const config = parseRunConfig({
      file: join(directory, 'sft.yaml'),
      text: `name: tiny-sft\nengine: local\n${tinyModel}\ndata: { sftFile: ${join(fixtures, 'aquila-sql/data/sql_generate_from_spider_wikisql_train_weighted_sample.jsonl')} }\noptimizer: { lr: 5.0e-3 }\nschedule: { trainIterations: 16, warmupFraction: 0.1, decayStyle: cosine }\nbatch: { microBatchSize: 2 }\ncheckpoints: { saveInterval: 5 }\n`,
    });
    const seen: number[] = [];
    const result = await trainLocally({ config, onEvent: (event) => seen.push(event.iteration) });
    const iterations = result.events.filter((event) => event.type === 'iteration');
    expect(iterations).toHaveLength(16);
    expect(result.events.filter(({ type }) => type === 'checkpoint').map(({ iteration }) => iteration)).toEqual([
      5, 10, 15, 16,
    ]);
    expect(seen).toHaveLength(result.events.length);
    const mean = (events: typeof iterations): number =>
      events.reduce((total, { loss }) => total + (loss ?? 0), 0) / events.length;
    expect(mean(iterations.slice(-4))).toBeLessThan(mean(iterations.slice(0, 4)));
    expect(result.vocabularyUsed).toBeGreaterThan(100);

    const status = await readRunStatus({ directory: result.directory });
    expect(status).toMatchObject({ engine: 'local', state: 'completed' });
    expect((await plotRun({ directory: result.directory })).events).toBe(result.events.length);

    // Run again, longer, on the same directory: it resumes from iteration 16 with the trained weights.
    const resumed = await trainLocally({
      config: { ...config, schedule: { ...config.schedule, trainIterations: 20 } },
    });
    expect(resumed.resumedFrom).toBe(16);
    const resumedIterations = resumed.events.filter((event) => event.type === 'iteration');
    expect(resumedIterations.map(({ iteration }) => iteration)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
    expect(resumedIterations[16]?.loss).toBeLessThan(mean(iterations.slice(0, 4)));
    expect((await readRunStatus({ directory: result.directory })).message).toMatch(/^completed iteration 20\/20/);

    const checkpoint = await openCheckpoint({ path: result.checkpoint });
    try {
      expect(checkpoint.get('model.embed_tokens.weight')?.shape).toEqual([100008, 32]);
      const head = await checkpoint.read('lm_head.weight');
      // A token that never occurs in the data keeps a zero row; `[CLS]` (100006) starts every example.
      expect(head.subarray(99_000 * 32, 99_001 * 32).every((value) => value === 0)).toBe(true);
      expect(head.subarray(100_006 * 32, 100_007 * 32).some((value) => value !== 0)).toBe(true);
    } finally {
      await checkpoint.close();
    }
    // The checkpoint carries Aquila's tokenizer, so a converted model needs nothing else.
    const carried = await loadTokenizer({ path: result.checkpoint });
    const question = '表名为singer，包含的属性为singer.name\n请为下面的问题编写sql查询语句：\n有多少歌手？';
    expect(carried.encode(question, { addSpecialTokens: true })).toEqual(
      (await loadAquilaTokenizer()).encode(question, { addSpecialTokens: true }),
    );
  });

  it('packs SFT examples into fewer, longer sequences when data.packing is set', async () => {
    const text = (packing: boolean): string =>
      `name: packed-${packing}\nengine: local\n${tinyModel.replace('96', '512')}\ndata: { sftFile: ${join(fixtures, 'aquila-sql/data/sql_generate_from_spider_wikisql_train_weighted_sample.jsonl')}, packing: ${packing} }\nschedule: { epochs: 1 }\nbatch: { microBatchSize: 1 }\n`;
    const steps = async (packing: boolean): Promise<number> => {
      const config = parseRunConfig({ file: join(directory, `packed-${packing}.yaml`), text: text(packing) });
      // One step shows how many sequences an epoch holds (steps = sequences / batch of 1).
      let total = 0;
      const controller = new AbortController();
      await trainLocally({
        config,
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'iteration') {
            total = event.totalIterations ?? 0;
            controller.abort(new Error('enough'));
          }
        },
      }).catch((error: unknown) => {
        if (!(error instanceof Error) || error.message !== 'enough') throw error;
      });
      return total;
    };
    expect(await steps(false)).toBe(14);
    // 14 examples of 128–422 tokens fill 512-token rows: about half as many sequences.
    expect(await steps(true)).toBeLessThanOrEqual(9);
  });

  it('trains on Megatron pretraining samples, and refuses a 7B model', async () => {
    const prefix = join(fixtures, 'indexed_dataset/demo_text_document');
    const config = parseRunConfig({
      file: join(directory, 'pretrain.yaml'),
      text: `name: tiny-pretrain\nengine: local\n${tinyModel.replace('96', '64')}\ndata: { blend: [{ prefix: ${prefix}, weight: 1 }], split: "90,10" }\nschedule: { trainIterations: 3 }\nbatch: { microBatchSize: 2 }\n`,
    });
    const result = await trainLocally({ config });
    expect(result.events.filter(({ type }) => type === 'iteration')).toHaveLength(3);
    // Aborted after its first step: the run directory says it died, and why.
    const controller = new AbortController();
    const aborted = trainLocally({
      config: { ...config, output: join(directory, 'aborted') },
      signal: controller.signal,
      onEvent: () => controller.abort(new Error('stopped by the test')),
    });
    await expect(aborted).rejects.toThrow('stopped by the test');
    const status = await readRunStatus({ directory: join(directory, 'aborted') });
    expect(status.state).toBe('died');
    expect(status.message).toMatch(/^the trainer failed: stopped by the test \(iteration 1\/3, loss \d+\.\d{4}\)$/);
    await expect(
      trainLocally({
        config: parseRunConfig({
          file: join(directory, 'big.yaml'),
          text: `engine: local\ndata: { blend: [{ prefix: ${prefix}, weight: 1 }] }\n`,
        }),
      }),
    ).rejects.toThrow(RunConfigError);
  });

  it("records the trainer's PID with its start time, so that stop and status can tell it from a later process with that PID", async () => {
    const config = parseRunConfig({
      file: join(directory, 'recorded.yaml'),
      text: `name: recorded\nengine: local\n${tinyModel.replace('96', '64')}\ndata: { blend: [{ prefix: ${join(fixtures, 'indexed_dataset/demo_text_document')}, weight: 1 }], split: "90,10" }\nschedule: { trainIterations: 1 }\n`,
    });
    const result = await trainLocally({ config });
    const record = JSON.parse(await readFile(join(result.directory, 'run.json'), 'utf8')) as {
      pid: number;
      startTime?: string;
      state: string;
    };
    expect(record).toMatchObject({ pid: process.pid, startTime: processStartTime(process.pid), state: 'finished' });
    expect(record.startTime).toMatch(/^(linux|ps):/);
  });
});
