import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadLineError, BadLinePolicy, moduleCommand, OutputIsInputError } from '@aquila/files';
import { openIndexedDataset } from '@aquila/formats';
import { loadAquilaTokenizer, type Tokenizer } from '@aquila/tokenizer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputFileError, NoDocumentsError } from '../errors.js';
import { packJsonl } from './pack-jsonl.js';

let tokenizer: Tokenizer;
let root: string;
let directory: string;
beforeAll(async () => {
  tokenizer = await loadAquilaTokenizer();
  root = await mkdtemp(join(tmpdir(), 'aquila-pack-bad-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
let folders = 0;
beforeEach(async () => {
  folders += 1;
  directory = join(root, String(folders));
  await mkdir(directory);
});

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

/** Writes `content` as the only file of the test's folder and packs it; returns the input path. */
async function input(content: string | Uint8Array, name = 'docs.jsonl'): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

describe('packJsonl on bad input', () => {
  it('the first bad line stops the pack with file:line, and no file is left but the input', async () => {
    const path = await input(`${line({ text: 'a' })}${line({ text: 'b' })}{"text": "broken\n${line({ text: 'c' })}`);
    const failure = packJsonl({ tokenizer, input: path, outputPrefix: join(directory, 'out') });
    await expect(failure).rejects.toThrow(BadLineError);
    await expect(failure).rejects.toThrow(`${path}:3: not valid JSON (`);
    expect(await readdir(directory)).toEqual(['docs.jsonl']);
  });

  it('says what is wrong with each kind of bad line', async () => {
    const cases: [string, string][] = [
      ['[1, 2]', 'not a JSON object but an array'],
      ['"text"', 'not a JSON object but a string'],
      ['null', 'not a JSON object but null'],
      [JSON.stringify({ question: 'q', sql: 'SELECT 1' }), 'no "text" field (fields: question, sql); pass --json-key'],
      ['{}', 'no "text" field (the object is empty)'],
      [JSON.stringify({ text: 3 }), 'the "text" field is a number, not a string'],
      [JSON.stringify({ text: { nested: 'x' } }), 'the "text" field is an object, not a string'],
    ];
    for (const [text, problem] of cases) {
      const path = await input(`${line({ text: 'fine' })}${text}\n`);
      await expect(packJsonl({ tokenizer, input: path, outputPrefix: join(directory, 'out') })).rejects.toThrow(
        `${path}:2: ${problem}`,
      );
      expect(await readdir(directory)).toEqual(['docs.jsonl']);
    }
  });

  it('a line that is not UTF-8 is a bad line, never U+FFFD in the dataset', async () => {
    const path = await input(
      Buffer.concat([
        Buffer.from(line({ text: 'ok' })),
        Buffer.from('{"text": "caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}\n'),
      ]),
    );
    await expect(packJsonl({ tokenizer, input: path, outputPrefix: join(directory, 'out') })).rejects.toThrow(
      `${path}:2: the bytes are not valid UTF-8`,
    );
    expect(await readdir(directory)).toEqual(['docs.jsonl']);
    const policy = new BadLinePolicy({ skip: true });
    const summary = await packJsonl({ tokenizer, input: path, outputPrefix: join(directory, 'out'), badLines: policy });
    expect(summary).toMatchObject({ documents: 1, skippedCount: 1, skipped: [{ line: 2 }] });
  });

  it('with a policy that skips: bad lines are counted in the policy and the summary, good ones packed', async () => {
    const lines = [
      line({ text: 'one' }),
      'not json\n',
      line({ other: 1 }),
      '\n',
      line({ text: 'two' }),
      line({ text: 7 }),
      '{"text": "trunc',
    ];
    const path = await input(lines.join(''));
    const policy = new BadLinePolicy({ skip: true });
    const summary = await packJsonl({ tokenizer, input: path, outputPrefix: join(directory, 'out'), badLines: policy });
    expect(summary).toMatchObject({ documents: 2, skippedCount: 4 });
    expect(summary.skipped.map((entry) => entry.line)).toEqual([2, 3, 6, 7]);
    expect(summary.skipped[1]!.detail).toBe('no "text" field (fields: other); pass --json-key to read another field');
    expect(policy.count).toBe(4);
    expect(policy.describe()).toMatch(
      new RegExp(`^skipped 4 bad lines \\(${path.replaceAll('/', '\\/')}:2 not valid JSON`),
    );
    const dataset = await openIndexedDataset({ prefix: summary.prefix });
    expect(
      await Promise.all(
        [0, 1].map(async (document) => tokenizer.decode(Array.from(await dataset.readDocument(document)).slice(1, -1))),
      ),
    ).toEqual(['one', 'two']);
    await dataset.close();
  });

  it('a wrong --json-key writes no empty dataset: the first line stops it, or with skipping, a typed error naming input and key', async () => {
    const path = await input(
      `${line({ question: 'q1', sql: 'SELECT 1' })}${line({ question: 'q2', sql: 'SELECT 2' })}`,
    );
    await expect(packJsonl({ tokenizer, input: path, outputPrefix: join(directory, 'out') })).rejects.toThrow(
      `${path}:1: no "text" field (fields: question, sql)`,
    );
    const skipping = packJsonl({
      tokenizer,
      input: path,
      outputPrefix: join(directory, 'out'),
      badLines: new BadLinePolicy({ skip: true }),
    });
    await expect(skipping).rejects.toThrow(NoDocumentsError);
    await expect(skipping).rejects.toThrow(
      `${path}: no line holds a document with a string "text" field (2 bad lines, the first at line 1: no "text" field`,
    );
    expect(await readdir(directory)).toEqual(['docs.jsonl']);
    const summary = await packJsonl({
      tokenizer,
      input: path,
      outputPrefix: join(directory, 'out'),
      jsonKey: 'question',
    });
    expect(summary).toMatchObject({ documents: 2, idxPath: join(directory, 'out_question_document.idx') });
  });

  it('an empty input (or only blank lines) is an error, not a dataset of 0 documents', async () => {
    for (const content of ['', '\n\n  \n']) {
      const path = await input(content);
      await expect(packJsonl({ tokenizer, input: path, outputPrefix: join(directory, 'out') })).rejects.toThrow(
        new NoDocumentsError(
          `${path} holds no JSON lines, so there is nothing to pack: give a JSONL file with one {"text": "…"} object per line.`,
        ),
      );
      expect(await readdir(directory)).toEqual(['docs.jsonl']);
    }
  });

  it('refuses an output prefix whose .bin or .idx is the input, before touching it', async () => {
    const content = line({ text: 'precious' });
    for (const name of ['out_text_document.bin', 'out_text_document.idx']) {
      const path = await input(content, name);
      await expect(packJsonl({ tokenizer, input: path, outputPrefix: join(directory, 'out') })).rejects.toThrow(
        OutputIsInputError,
      );
      expect(await readFile(path, 'utf8')).toBe(content);
      expect(await readdir(directory)).toEqual([name]);
      await rm(path);
    }
  });

  it('a missing input, a folder as input, or an output prefix in a missing folder: typed errors, nothing written', async () => {
    await expect(
      packJsonl({ tokenizer, input: join(directory, 'nope.jsonl'), outputPrefix: join(directory, 'out') }),
    ).rejects.toThrow(new InputFileError(`the input ${join(directory, 'nope.jsonl')} does not exist: check the path.`));
    await expect(packJsonl({ tokenizer, input: directory, outputPrefix: join(directory, 'out') })).rejects.toThrow(
      InputFileError,
    );
    const path = await input(line({ text: 'a' }));
    await expect(
      packJsonl({ tokenizer, input: path, outputPrefix: join(directory, 'missing', 'out') }),
    ).rejects.toThrow(/the folder .*missing does not exist/);
    expect(await readdir(directory)).toEqual(['docs.jsonl']);
  });

  it('an abort leaves neither the final files nor a temporary file', async () => {
    const path = await input(Array.from({ length: 5000 }, (_, index) => line({ text: `SELECT ${index}` })).join(''));
    const controller = new AbortController();
    const packing = packJsonl({
      tokenizer,
      input: path,
      outputPrefix: join(directory, 'out'),
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(packing).rejects.toThrow(/aborted/i);
    expect(await readdir(directory)).toEqual(['docs.jsonl']);
  });

  it('Ctrl-C in a process packing a large file (SIGINT turned into process.exit) leaves no file but the input', async () => {
    const path = await input(
      Array.from({ length: 300_000 }, (_, index) =>
        line({ text: `SELECT name, country FROM singer WHERE age > ${index} ORDER BY name` }),
      ).join(''),
    );
    const script = moduleCommand({ from: import.meta.url, source: '../../test/pack-until-interrupted.ts' });
    const child = spawn(process.execPath, [...script.execArgv, script.path, path, join(directory, 'out')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    try {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('packing')) child.kill('SIGINT');
      });
      const [code] = await exited;
      expect({ code, stdout, stderr }).toEqual({ code: 130, stdout: 'packing\n', stderr: '' });
    } finally {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(await readdir(directory)).toEqual(['docs.jsonl']);
  });
});
