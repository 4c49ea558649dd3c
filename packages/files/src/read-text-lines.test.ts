import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPropertyInWorker } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { BadLineError, BadLinePolicy } from './bad-lines.js';
import { readTextLines } from './read-text-lines.js';

async function collect(
  lines: AsyncIterable<{ text: string; line: number }>,
): Promise<{ text: string; line: number }[]> {
  const result = [];
  for await (const line of lines) result.push(line);
  return result;
}

describe('readTextLines', () => {
  it('reads numbered lines of a file: CRLF, BOM, a last line without newline', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-files-'));
    try {
      const path = join(directory, 'in.jsonl');
      await writeFile(path, '\ufeff{"a":1}\r\n\n{"b":"中文"}');
      expect(await collect(readTextLines({ input: path }))).toEqual([
        { text: '{"a":1}', line: 1 },
        { text: '', line: 2 },
        { text: '{"b":"中文"}', line: 3 },
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('stops at a line that is not UTF-8, naming file and line; with skip, counts it and goes on', async () => {
    const input = async function* () {
      yield Buffer.from('ok\n');
      yield Buffer.from([0x61, 0xff, 0x0a]);
      yield Buffer.from('fine\n');
    };
    await expect(collect(readTextLines({ input: input(), source: 'pred.txt' }))).rejects.toSatisfy(
      (error) =>
        BadLineError.isInstance(error) &&
        error.line === 2 &&
        error.message.startsWith('pred.txt:2: the bytes are not valid UTF-8') &&
        error.message.includes('--skip-bad-lines'),
    );
    const policy = new BadLinePolicy({ skip: true });
    expect(await collect(readTextLines({ input: input(), source: 'pred.txt', badLines: policy }))).toEqual([
      { text: 'ok', line: 1 },
      { text: 'fine', line: 3 },
    ]);
    expect(policy.count).toBe(1);
    expect(policy.describe()).toBe(
      'skipped 1 bad line (pred.txt:2 the bytes are not valid UTF-8 (save the file as UTF-8))',
    );
  });

  it('does not cut a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('é中\n😀');
    const input = async function* () {
      for (const byte of bytes) yield Uint8Array.of(byte);
    };
    expect(await collect(readTextLines({ input: input() }))).toEqual([
      { text: 'é中', line: 1 },
      { text: '😀', line: 2 },
    ]);
  });

  it('equals a reference split-and-decode on random bytes and chunkings (5,000 runs, in a worker)', async () => {
    await checkPropertyInWorker({
      module: new URL('./read-text-lines.properties.ts', import.meta.url),
      exportName: 'linesEqualTheReference',
      timeoutMs: 120_000,
    });
  }, 150_000);
});

describe('BadLinePolicy', () => {
  it('throws by default and reports the first few when skipping', () => {
    const error = (line: number) => new BadLineError({ source: 'a.jsonl', line, problem: 'not valid JSON' });
    expect(() => new BadLinePolicy().report(error(1))).toThrow(
      'a.jsonl:1: not valid JSON; fix or remove the line, or pass --skip-bad-lines to skip such lines',
    );
    const policy = new BadLinePolicy({ skip: true, keep: 2 });
    expect(policy.describe()).toBeUndefined();
    for (const line of [3, 8, 9]) policy.report(error(line));
    expect(policy.count).toBe(3);
    expect(policy.describe()).toBe('skipped 3 bad lines (a.jsonl:3 not valid JSON; a.jsonl:8 not valid JSON; …)');
  });
});
