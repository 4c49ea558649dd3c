import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSftIndexedDatasetWriter, writeIndexedDataset } from '@aquila/formats';
import { describe, expect, it } from 'vitest';
import { DataPrefixError } from './errors.js';
import { parseRunConfig } from './parse-run-config.js';
import { planFlagScaleRun } from './plan-flagscale-run.js';

describe('planFlagScaleRun for SFT', () => {
  it('needs the loss-mask sibling @aquila/data writes, with the same lengths', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-sft-plan-'));
    try {
      const writer = await createSftIndexedDatasetWriter({
        prefix: join(directory, 'sql_sft'),
        vocabularySize: 100008,
      });
      for (let document = 0; document < 40; document += 1) {
        const ids = Array.from({ length: 60 }, (_, position) => (document * 7 + position) % 1000);
        await writer.addDocument({ ids, lossMask: ids.map((_, position) => (position < 30 ? 0 : 1)) });
      }
      await writer.finish();
      const text = (prefix: string): string =>
        `task: sft\nmodel: { sequenceLength: 128 }\ndata: { blend: [{ prefix: ${prefix}, weight: 1 }], split: "1" }\nschedule: { epochs: 1 }\nparallelism: { gpusPerNode: 1 }\n`;
      const plan = await planFlagScaleRun({
        config: parseRunConfig({ text: text(join(directory, 'sql_sft_text_document')) }),
      });
      expect(plan.length).toEqual({ trainSamples: 18 });
      expect(plan.files[1]?.text).toContain('  apply_sft_dataset_separated_loss_mask_if_existed: true\n');
      expect(plan.files[0]?.text).toContain('entrypoint: ./flagscale/train/train_aquila_sft.py');

      await writeIndexedDataset({
        prefix: join(directory, 'other_text_document'),
        documents: [[1, 2, 3]],
        vocabularySize: 100008,
      });
      await expect(
        planFlagScaleRun({ config: parseRunConfig({ text: text(join(directory, 'other_text_document')) }) }),
      ).rejects.toThrow(/the loss mask .*other_loss_mask_document\.\{bin,idx\} is missing/);
      await writeIndexedDataset({
        prefix: join(directory, 'other_loss_mask_document'),
        documents: [[1, 1]],
        vocabularySize: 100008,
      });
      await expect(
        planFlagScaleRun({ config: parseRunConfig({ text: text(join(directory, 'other_text_document')) }) }),
      ).rejects.toThrow(DataPrefixError);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
