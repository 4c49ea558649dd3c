// Paths and readers for the reference data the tests read, in the repository (packages/test-kit/fixtures).
import { readFileSync } from 'node:fs';
import { fixturePath } from '@aquila/test-kit';

/** Aquila's original vocab.json, merges.txt and special-token files. */
export const aquilaFolder = fixturePath('aquila-tokenizer');

export function readJsonFixture<T>(...segments: string[]): T {
  return JSON.parse(readFileSync(fixturePath(...segments), 'utf8')) as T;
}

/**
 * The Hugging Face tokenizer.json of Aquila, built from vocab.json + merges.txt + special_tokens.txt exactly as
 * `aquila-tokenizer/reconstructed/tokenizer.json` of the shared fixtures was (byte for byte the same), so the
 * 3.6 MB file need not be in the repository. Plain JSON assembly, independent of the code under test.
 */
export function reconstructedTokenizerJsonText(): string {
  const vocabulary = readJsonFixture<Record<string, number>>('aquila-tokenizer', 'vocab.json');
  const baseSize = Object.keys(vocabulary).length;
  const specials = readFileSync(fixturePath('aquila-tokenizer', 'special_tokens.txt'), 'utf8').split('\n').filter((line) => line !== '');
  specials.forEach((token, index) => (vocabulary[token] = baseSize + index));
  const merges = readFileSync(fixturePath('aquila-tokenizer', 'merges.txt'), 'utf8').split('\n').slice(1).filter((line) => line !== '');
  const addedTokens = [['<|endoftext|>', 0] as const, ...specials.map((token, index) => [token, baseSize + index] as const)].map(([content, id]) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean): object => ({ type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: trimOffsets, use_regex: true });
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: vocabulary, merges },
  });
}

/** Cuts texts into documents of about `size` UTF-16 units, joining short ones with a newline. */
function documents(texts: string[], size: number): string[] {
  const result: string[] = [];
  let current = '';
  for (const text of texts) {
    current = current === '' ? text : `${current}\n${text}`;
    while (current.length >= size) {
      // Never between the halves of a surrogate pair: the documents stay well-formed text.
      const end = /[\ud800-\udbff]/.test(current[size - 1] as string) ? size - 1 : size;
      result.push(current.slice(0, end));
      current = current.slice(end);
    }
  }
  if (current !== '') result.push(current);
  return result;
}

/**
 * The test corpus: ~2,000-unit documents of English and Chinese news and Go code (FlagAI's Megatron demo
 * documents) and Chinese schema prompts with SQL (AquilaSQL's CSpider predictions), interleaved. The benchmark
 * reads the 10 MB benchmark corpus instead (bench/corpus.ts).
 */
export function readTestCorpus(): string[] {
  const jsonLines = (...segments: string[]): Array<Record<string, string>> =>
    readFileSync(fixturePath(...segments), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, string>);
  const news = documents(jsonLines('flagai', 'indexed_dataset', 'demo.jsonl').map((record) => record.text as string), 2000);
  const sql = documents(jsonLines('flagai', 'aquila-sql', 'evaluation_result', 'cspider_raw_pred.jsonl').flatMap((record) => [record.prompt as string, record.result as string]), 2000);
  const corpus: string[] = [];
  for (let index = 0; index < Math.max(news.length, sql.length); index++) {
    if (index < news.length) corpus.push(news[index] as string);
    if (index < sql.length) corpus.push(sql[index] as string);
  }
  return corpus;
}
