import { beforeAll, describe, expect, it } from 'vitest';
import { decodeJsonLines } from './decode-json-lines.js';
import { encodeJsonLines } from './encode-json-lines.js';
import { TokenizerInputError } from './errors.js';
import { loadAquilaTokenizer } from './load-aquila-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';

async function* linesOf(...lines: string[]): AsyncGenerator<string> {
  yield* lines;
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const result: string[] = [];
  for await (const line of lines) result.push(line);
  return result;
}

describe('encodeJsonLines / decodeJsonLines', () => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    tokenizer = await loadAquilaTokenizer();
  });

  it('round-trips records in order, across batches, with progress', async () => {
    const texts = Array.from({ length: 25 }, (_, index) => `第${index}个 record ${'x'.repeat(index)}!</s>`);
    const progress: number[] = [];
    const encoded = await collect(
      encodeJsonLines({ tokenizer, lines: linesOf(...texts.map((text) => JSON.stringify({ body: text }))), field: 'body', batchSize: 10, onProgress: ({ lines }) => progress.push(lines) }),
    );
    expect(encoded).toEqual(texts.map((text) => JSON.stringify({ ids: tokenizer.encode(text) })));
    expect(progress).toEqual([10, 20, 25]);
    const decoded = await collect(decodeJsonLines({ tokenizer, lines: linesOf(...encoded), skipSpecialTokens: true }));
    expect(decoded).toEqual(texts.map((text) => JSON.stringify({ text: text.replace('</s>', '') })));
  });

  it('names the source and line of a bad record', async () => {
    const bad = collect(encodeJsonLines({ tokenizer, lines: linesOf('"fine"', '{"text": 3}'), source: 'records.jsonl' }));
    await expect(bad).rejects.toThrow(TokenizerInputError);
    await expect(collect(encodeJsonLines({ tokenizer, lines: linesOf('"fine"', '{"text": 3}'), source: 'records.jsonl' }))).rejects.toThrow(/records\.jsonl line 2 has no string field "text"/);
    await expect(collect(encodeJsonLines({ tokenizer, lines: linesOf('{oops') }))).rejects.toThrow(/input line 1 is not JSON/);
    await expect(collect(decodeJsonLines({ tokenizer, lines: linesOf('{"ids": "1 2"}') }))).rejects.toThrow(/line 1 has no "ids" array/);
  });
});
