import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadLinePolicy } from '@aquila/files';
import { openIndexedDataset } from '@aquila/formats';
import { tokenizeAquilaConversation } from '@aquila/prompts';
import { fixturePath } from '@aquila/test-kit';
import { loadAquilaTokenizer, type Tokenizer } from '@aquila/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packJsonl } from './pack-jsonl.js';

const generated = fixturePath('flagai', 'generated');
let tokenizer: Tokenizer;
let directory: string;
beforeAll(async () => {
  tokenizer = await loadAquilaTokenizer();
  directory = await mkdtemp(join(tmpdir(), 'aquila-pack-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('packJsonl with the Aquila tokenizer', () => {
  it('reproduces FlagAI preprocess_data_args.py output byte for byte (aquila_demo4, [CLS] … </s>, int32)', async () => {
    const outputPrefix = join(directory, 'aquila_demo4');
    const summary = await packJsonl({
      tokenizer,
      input: join(generated, 'aquila_demo4.jsonl'),
      outputPrefix,
      convention: 'flagai',
    });
    expect(summary).toMatchObject({ dtype: 'int32', documents: 4, sequences: 4, skipped: [] });
    expect(
      (await readFile(`${outputPrefix}_text_document.idx`)).equals(
        await readFile(join(generated, 'aquila_demo4_text_document.idx')),
      ),
    ).toBe(true);
    expect(
      (await readFile(`${outputPrefix}_text_document.bin`)).equals(
        await readFile(join(generated, 'aquila_demo4_text_document.bin')),
      ),
    ).toBe(true);
  });

  it('FlagScale convention: … </s> with no BOS; documents decode back to the JSONL text', async () => {
    const input = join(directory, 'docs.jsonl');
    await writeFile(
      input,
      `${JSON.stringify({ text: 'SELECT name FROM singer;' })}\n${JSON.stringify({ other: 1 })}\n${JSON.stringify({ text: '有多个数据库表' })}\n{"text": "trunc`,
    );
    const summary = await packJsonl({
      tokenizer,
      input,
      outputPrefix: join(directory, 'fs'),
      convention: 'flagscale',
      badLines: new BadLinePolicy({ skip: true }),
    });
    expect(summary.skipped.map((entry) => entry.line)).toEqual([2, 4]);
    const dataset = await openIndexedDataset({ prefix: join(directory, 'fs_text_document') });
    const documents = [];
    for await (const document of dataset.documents()) documents.push(Array.from(document));
    await dataset.close();
    expect(documents.map((ids) => ids.at(-1))).toEqual([100_007, 100_007]);
    expect(documents.map((ids) => tokenizer.decode(ids.slice(0, -1)))).toEqual([
      'SELECT name FROM singer;',
      '有多个数据库表',
    ]);
  });
});

describe('SFT tokenisation', () => {
  it('matches FlagAI ConversationDatasetV2 input_ids and labels for all 14 sample records', () => {
    const { cases } = JSON.parse(readFileSync(join(generated, 'sft-training-vectors.json'), 'utf8')) as {
      cases: {
        record: { conversations: { from: string; value: string }[]; instruction: string };
        input_ids: number[];
        labels: number[];
      }[];
    };
    expect(cases).toHaveLength(14);
    for (const { record, input_ids: inputIds, labels } of cases) {
      const { ids, lossMask } = tokenizeAquilaConversation({
        tokenizer,
        conversations: record.conversations,
        instruction: record.instruction,
        maxLength: 2048,
      });
      expect(ids).toEqual(inputIds);
      expect(lossMask).toEqual(labels.map((label) => (label === -100 ? 0 : 1)));
    }
  });
});
