import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadLineError, BadLinePolicy, readTextLines, type TextLine } from '@aquila/files';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJsonLines } from './decode-json-lines.js';
import { encodeJsonLines } from './encode-json-lines.js';
import { TokenizerInputError } from './errors.js';
import { loadAquilaTokenizer } from './load-aquila-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';

async function* linesOf(...lines: string[]): AsyncGenerator<TextLine> {
  for (const [index, text] of lines.entries()) yield { text, line: index + 1 };
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const result: string[] = [];
  for await (const line of lines) result.push(line);
  return result;
}

describe('encodeJsonLines / decodeJsonLines', () => {
  let tokenizer: Tokenizer;
  let directory: string;
  beforeAll(async () => {
    tokenizer = await loadAquilaTokenizer();
    directory = await mkdtemp(join(tmpdir(), 'aquila-json-lines-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('round-trips records in order, across batches, with progress', async () => {
    const texts = Array.from({ length: 25 }, (_, index) => `第${index}个 record ${'x'.repeat(index)}!</s>`);
    const progress: number[] = [];
    const encoded = await collect(
      encodeJsonLines({
        tokenizer,
        lines: linesOf(...texts.map((text) => JSON.stringify({ body: text }))),
        field: 'body',
        batchSize: 10,
        onProgress: ({ lines }) => progress.push(lines),
      }),
    );
    expect(encoded).toEqual(texts.map((text) => JSON.stringify({ ids: tokenizer.encode(text) })));
    expect(progress).toEqual([10, 20, 25]);
    const decoded = await collect(decodeJsonLines({ tokenizer, lines: linesOf(...encoded), skipSpecialTokens: true }));
    expect(decoded).toEqual(texts.map((text) => JSON.stringify({ text: text.replace('</s>', '') })));
  });

  it('names the source and line of a bad record', async () => {
    const bad = collect(
      encodeJsonLines({ tokenizer, lines: linesOf('"fine"', '{"text": 3}'), source: 'records.jsonl' }),
    );
    await expect(bad).rejects.toThrow(TokenizerInputError);
    await expect(
      collect(encodeJsonLines({ tokenizer, lines: linesOf('"fine"', '{"text": 3}'), source: 'records.jsonl' })),
    ).rejects.toThrow(/records\.jsonl:2: the "text" field is 3, not a string/);
    await expect(collect(encodeJsonLines({ tokenizer, lines: linesOf('{oops') }))).rejects.toThrow(
      /input:1: not valid JSON/,
    );
    await expect(collect(decodeJsonLines({ tokenizer, lines: linesOf('{"ids": "1 2"}') }))).rejects.toThrow(
      /input:1: the "ids" field is "1 2", not an array of token ids/,
    );
  });

  it('says what a line lacks: the fields it has, the kind of value it is, the id out of range', async () => {
    const encodeProblem = async (...lines: string[]): Promise<string> => {
      const error = await collect(encodeJsonLines({ tokenizer, lines: linesOf(...lines), source: 'a.jsonl' })).catch(
        (caught: unknown) => caught,
      );
      expect(BadLineError.isInstance(error)).toBe(true);
      return (error as BadLineError).problem;
    };
    expect(await encodeProblem('{"body": "x", "id": 7}')).toBe(
      'no "text" field (the line has "body", "id"); name the text field with --field',
    );
    expect(await encodeProblem('{}')).toMatch(/^no "text" field \(the object is empty\)/);
    expect(await encodeProblem('[1, 2]')).toMatch(
      /^a JSON array, not an object with a string "text" field or a JSON string/,
    );
    expect(await encodeProblem('null')).toMatch(/^JSON null, not an object/);
    const decodeProblem = async (line: string): Promise<string> => {
      const error = await collect(decodeJsonLines({ tokenizer, lines: linesOf(line), source: 'ids.jsonl' })).catch(
        (caught: unknown) => caught,
      );
      expect(TokenizerInputError.isInstance(error)).toBe(true);
      expect((error as BadLineError).line).toBe(1);
      return (error as BadLineError).problem;
    };
    expect(await decodeProblem('{"ids": [1, 100008]}')).toMatch(
      /^ids\[1\] is 100008, not a token id of this tokenizer \(integers 0 to 100007; written with another tokenizer\?\)$/,
    );
    expect(await decodeProblem('{"ids": [1, -1]}')).toMatch(/^ids\[1\] is -1/);
    expect(await decodeProblem('[1.5]')).toMatch(/^ids\[0\] is 1.5/);
    expect(await decodeProblem('{"ids": ["1"]}')).toMatch(/^ids\[0\] is "1"/);
    expect(await decodeProblem('{"text": "hello"}')).toMatch(/^no "ids" field \(the line has "text"\)/);
    expect(await decodeProblem('"hello"')).toMatch(/^a JSON string, not \{"ids":\[…\]\}/);
  });

  it('stops `--decode` of a text file at its first line instead of writing nothing', async () => {
    const path = join(directory, 'notes.txt');
    await writeFile(path, 'SELECT name FROM singer;\nSELECT 1;\n');
    const error = await collect(
      decodeJsonLines({ tokenizer, lines: readTextLines({ input: path }), source: path }),
    ).catch((caught: unknown) => caught);
    expect(BadLineError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: not valid JSON`),
    );
  });

  it('skips bad lines when the policy says so, keeping the order of the good ones, and counts them', async () => {
    const lines = ['"one"', '{"text": 2}', '', '   ', '{"text": "three"}', 'not json', '{"body": "x"}', '"six"'];
    const badLines = new BadLinePolicy({ skip: true });
    const progress: number[] = [];
    const encoded = await collect(
      encodeJsonLines({
        tokenizer,
        lines: linesOf(...lines),
        source: 'a.jsonl',
        badLines,
        batchSize: 2,
        onProgress: ({ lines: done }) => progress.push(done),
      }),
    );
    expect(encoded).toEqual(['one', 'three', 'six'].map((text) => JSON.stringify({ ids: tokenizer.encode(text) })));
    expect(badLines.count).toBe(3);
    expect(badLines.first.map(({ line }) => line)).toEqual([2, 6, 7]);
    expect(badLines.describe()).toMatch(
      /^skipped 3 bad lines \(a\.jsonl:2 the "text" field is 2, not a string; a\.jsonl:6 not valid JSON/,
    );
    expect(progress).toEqual([2, 3]);
    const decodePolicy = new BadLinePolicy({ skip: true });
    const decoded = await collect(
      decodeJsonLines({
        tokenizer,
        lines: linesOf(encoded[0] as string, '{"ids": [100008]}', encoded[1] as string),
        badLines: decodePolicy,
      }),
    );
    expect(decoded).toEqual([JSON.stringify({ text: 'one' }), JSON.stringify({ text: 'three' })]);
    expect(decodePolicy.first.map(({ line }) => line)).toEqual([2]);
  });

  it('reports a line that is not UTF-8 through the same policy, by its line number', async () => {
    const path = join(directory, 'latin1.jsonl');
    await writeFile(path, Buffer.concat([Buffer.from('"ok"\n"caf'), Buffer.from([0xe9]), Buffer.from('"\n"fine"\n')]));
    const error = await collect(
      encodeJsonLines({ tokenizer, lines: readTextLines({ input: path }), source: path }),
    ).catch((caught: unknown) => caught);
    expect(BadLineError.isInstance(error)).toBe(true);
    expect((error as BadLineError).line).toBe(2);
    const badLines = new BadLinePolicy({ skip: true });
    const encoded = await collect(
      encodeJsonLines({ tokenizer, lines: readTextLines({ input: path, badLines }), source: path, badLines }),
    );
    expect(encoded).toEqual(['ok', 'fine'].map((text) => JSON.stringify({ ids: tokenizer.encode(text) })));
    expect(badLines.count).toBe(1);
  });

  it('keeps the order of records encoded in worker threads while skipping bad lines', async () => {
    const texts = Array.from(
      { length: 3000 },
      (_, index) => `${index}: ${'select name from singer where age > 30; '.repeat(8)}`,
    );
    const lines = texts.map((text, index) => (index % 97 === 5 ? '{broken' : JSON.stringify({ text })));
    const badLines = new BadLinePolicy({ skip: true });
    // Batches of 1,500 records of about 330 characters: over encodeBatch's threshold for worker threads.
    const encoded = await collect(
      encodeJsonLines({ tokenizer, lines: linesOf(...lines), badLines, threads: 2, batchSize: 1500 }),
    );
    const kept = texts.filter((_, index) => index % 97 !== 5);
    expect(encoded).toEqual(kept.map((text) => JSON.stringify({ ids: tokenizer.encode(text) })));
    expect(badLines.count).toBe(texts.length - kept.length);
    await tokenizer.close();
  });
});
