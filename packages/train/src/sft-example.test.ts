import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@aquila/test-kit';
import { loadAquilaTokenizer, type Tokenizer } from '@aquila/tokenizer';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SftRecordError } from './errors.js';
import { readSftExamples } from './read-sft-examples.js';
import { packSftExamples, padSftExample } from './sft-batches.js';
import { createSftExample, ignoreIndex, type SftExample } from './sft-example.js';

const fixtures = fixturePath('flagai');
interface VectorCase {
  record: unknown;
  input_ids: number[];
  labels: number[];
}

let tokenizer: Tokenizer;
let cases: VectorCase[];

beforeAll(async () => {
  tokenizer = await loadAquilaTokenizer();
  cases = (
    JSON.parse(await readFile(join(fixtures, 'generated/sft-training-vectors.json'), 'utf8')) as { cases: VectorCase[] }
  ).cases;
});

describe('createSftExample', () => {
  it("reproduces FlagAI's input_ids and labels for the 14 AquilaSQL SFT records", () => {
    expect(cases).toHaveLength(14);
    for (const { record, input_ids: inputIds, labels } of cases) {
      const example = createSftExample({ tokenizer, record });
      expect(Array.from(example.inputIds)).toEqual(inputIds);
      expect(Array.from(example.labels)).toEqual(labels);
    }
  });

  it('reads the same records from the JSONL file FlagAI ships', async () => {
    const examples: SftExample[] = [];
    for await (const example of readSftExamples({
      path: join(fixtures, 'aquila-sql/data/sql_generate_from_spider_wikisql_train_weighted_sample.jsonl'),
      tokenizer,
    }))
      examples.push(example);
    expect(examples.map(({ inputIds }) => Array.from(inputIds))).toEqual(
      cases.map(({ input_ids: inputIds }) => inputIds),
    );
  });

  it('truncates to maxLength and rejects records of the wrong shape, naming file and line', async () => {
    const first = cases[0] as VectorCase;
    const short = createSftExample({ tokenizer, record: first.record, maxLength: 50 });
    expect(Array.from(short.labels)).toEqual(first.labels.slice(0, 50));
    expect(() => createSftExample({ tokenizer, record: { conversations: [{ from: 'human' }] } })).toThrow(
      SftRecordError,
    );
    const directory = await mkdtemp(join(tmpdir(), 'aquila-sft-'));
    try {
      await writeFile(join(directory, 'bad.jsonl'), `${JSON.stringify(first.record)}\n\n{"conversations": 3}\n`);
      const read = async () => {
        for await (const example of readSftExamples({ path: join(directory, 'bad.jsonl'), tokenizer }))
          expect(example.inputIds.length).toBeGreaterThan(0);
      };
      await expect(read()).rejects.toThrow(/bad\.jsonl:3: "conversations" is missing or empty/);
      await expect(readSftExamples({ path: join(directory, 'none.jsonl'), tokenizer }).next()).rejects.toThrow(
        /none\.jsonl does not exist/,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('readSftExamples', () => {
  it('rejects a line that is not UTF-8 and a folder, naming them, instead of reading U+FFFD or failing raw', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-sft-'));
    const readAll = async (path: string): Promise<number> => {
      let count = 0;
      for await (const example of readSftExamples({ path, tokenizer })) count += example.inputIds.length > 0 ? 1 : 0;
      return count;
    };
    try {
      const first = Buffer.from(`${JSON.stringify((cases[0] as VectorCase).record)}\n`);
      // Line 2 holds Latin-1 "é" (0xe9), which is not UTF-8.
      await writeFile(
        join(directory, 'latin1.jsonl'),
        Buffer.concat([
          first,
          Buffer.from('{"conversations": [{"from": "human", "value": "caf'),
          Uint8Array.of(0xe9),
          Buffer.from('"}]}\n'),
        ]),
      );
      await expect(readAll(join(directory, 'latin1.jsonl'))).rejects.toThrow(SftRecordError);
      await expect(readAll(join(directory, 'latin1.jsonl'))).rejects.toThrow(
        /latin1\.jsonl:2: the bytes are not valid UTF-8/,
      );
      await mkdir(join(directory, 'folder.jsonl'));
      await expect(readAll(join(directory, 'folder.jsonl'))).rejects.toThrow(
        /folder\.jsonl is a folder; data\.sftFile must name a JSONL file/,
      );
      // A BOM and CRLF line ends, as Windows editors save them, are read.
      await writeFile(
        join(directory, 'crlf.jsonl'),
        Buffer.concat([Buffer.from('\ufeff'), Buffer.from(first.toString().replace('\n', '\r\n'))]),
      );
      expect(await readAll(join(directory, 'crlf.jsonl'))).toBe(1);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('padSftExample and packSftExamples', () => {
  it("pads as FlagAI's collate does: ids 0 and labels -100 up to 2048", () => {
    const first = cases[0] as VectorCase;
    const row = padSftExample({ example: createSftExample({ tokenizer, record: first.record }), length: 2048 });
    expect(row.inputIds.length).toBe(2048);
    expect(Array.from(row.inputIds.subarray(first.input_ids.length))).toEqual(
      new Array(2048 - first.input_ids.length).fill(0),
    );
    expect(Array.from(row.labels.subarray(first.input_ids.length)).every((label) => label === ignoreIndex)).toBe(true);
  });

  it('packs every token of every example exactly once, in order, without crossing rows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }),
        fc.integer({ min: 40, max: 100 }),
        (sizes, length) => {
          let next = 1;
          const examples = sizes.map((size) => {
            const inputIds = Int32Array.from({ length: size }, () => next++);
            return { inputIds, labels: inputIds.map((id) => (id % 3 === 0 ? ignoreIndex : id)) };
          });
          const rows = packSftExamples({ examples, length });
          // Pad ids are 0 and example ids start at 1: every id appears once, and each example sits whole in one row at a listed start.
          const ids = rows.flatMap((row) => Array.from(row.inputIds).filter((id) => id !== 0)).sort((a, b) => a - b);
          const whole = examples.every((example) =>
            rows.some((row) =>
              row.exampleStarts.some(
                (start) =>
                  row.inputIds.subarray(start, start + example.inputIds.length).join() === example.inputIds.join() &&
                  row.labels.subarray(start, start + example.labels.length).join() === example.labels.join(),
              ),
            ),
          );
          return (
            rows.every((row) => row.inputIds.length === length) &&
            ids.length === next - 1 &&
            ids.every((id, index) => id === index + 1) &&
            whole
          );
        },
      ),
    );
    expect(() =>
      packSftExamples({ examples: [{ inputIds: new Int32Array(5), labels: new Int32Array(5) }], length: 4 }),
    ).toThrow(SftRecordError);
  });
});
