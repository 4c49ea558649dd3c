import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aquilaTokenizerJson } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aquilaFolder } from '../test/fixtures.js';
import {
  TokenizerError,
  TokenizerFileFormatError,
  TokenizerFileNotFoundError,
  TokenizerUnknownMergeError,
  TokenizerUnsupportedError,
  TokenizerVocabularyMismatchError,
} from './errors.js';
import { loadAquilaTokenizer } from './load-aquila-tokenizer.js';
import { loadTokenizer } from './load-tokenizer.js';

/** A complete tiny GPT-2 layout: the 256 byte symbols and a few merges. */
function tinyVocabulary(): Record<string, number> {
  const vocabulary: Record<string, number> = { '<|endoftext|>': 0 };
  const symbols: string[] = [];
  for (let byte = 0; byte < 256; byte++) {
    const printable =
      (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    symbols.push(printable ? String.fromCharCode(byte) : '');
  }
  let next = 256;
  symbols.forEach((symbol, byte) => (symbols[byte] = symbol === '' ? String.fromCharCode(next++) : symbol));
  [...symbols].sort().forEach((symbol, index) => (vocabulary[symbol] = index + 1));
  for (const token of ['he', 'll', 'hell', 'hello', 'Ġw', 'Ġwo']) vocabulary[token] = Object.keys(vocabulary).length;
  return vocabulary;
}
const tinyMerges = '#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ w\nĠw o\n';

describe('loadTokenizer', () => {
  let directory: string;
  const folder = async (name: string, files: Record<string, string>): Promise<string> => {
    const path = join(directory, name);
    await import('node:fs/promises').then(({ mkdir }) => mkdir(path));
    for (const [file, content] of Object.entries(files)) await writeFile(join(path, file), content);
    return path;
  };
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'aquila-tokenizer-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('loads any GPT-2-style vocab.json + merges.txt, with special tokens from special_tokens_map.json', async () => {
    const path = await folder('tiny', {
      'vocab.json': JSON.stringify(tinyVocabulary()),
      'merges.txt': tinyMerges,
      'special_tokens_map.json': JSON.stringify({ bos_token: '<s>', eos_token: { content: '<|endoftext|>' } }),
    });
    const tokenizer = await loadTokenizer({ path });
    expect(tokenizer.vocabSize).toBe(264);
    expect([tokenizer.bosTokenId, tokenizer.eosTokenId]).toEqual([263, 0]);
    const ids = tokenizer.encode('hello wo<s>!', { addSpecialTokens: true });
    expect(ids.map((id) => tokenizer.idToToken(id))).toEqual(['<s>', 'hello', 'Ġwo', '<s>', '!', '<|endoftext|>']);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('hello wo!');
    expect(tokenizer.tokenToId('Ġwo')).toBe(262);
  });

  it('names a missing path, and a folder without its files', async () => {
    await expect(loadTokenizer({ path: join(directory, 'nothing-here') })).rejects.toThrow(TokenizerFileNotFoundError);
    const path = await folder('merges-only', { 'merges.txt': tinyMerges });
    await expect(loadTokenizer({ path })).rejects.toThrow(/vocab\.json is missing.*needs vocab\.json and merges\.txt/);
  });

  it('says a truncated tokenizer.json is truncated', async () => {
    const text = aquilaTokenizerJson();
    const path = join(directory, 'truncated.json');
    await writeFile(path, text.slice(0, 100_000));
    const error = await loadTokenizer({ path }).catch((caught: unknown) => caught);
    expect(TokenizerFileFormatError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/truncated\.json is truncated/);
  });

  it('says where a malformed file is broken', async () => {
    const path = await folder('malformed', { 'vocab.json': '{"a": 1,\n "b": 2,,\n}', 'merges.txt': tinyMerges });
    await expect(loadTokenizer({ path })).rejects.toThrow(/vocab\.json is not valid JSON at line 2/);
    const badMerges = await folder('bad-merges', {
      'vocab.json': JSON.stringify(tinyVocabulary()),
      'merges.txt': '#version: 0.2\nh e\nl l x\n',
    });
    await expect(loadTokenizer({ path: badMerges })).rejects.toThrow(/merges\.txt line 3 is "l l x", not two tokens/);
    const cut = await folder('cut-merges', {
      'vocab.json': JSON.stringify(tinyVocabulary()),
      'merges.txt': '#version: 0.2\nh e\nhe',
    });
    await expect(loadTokenizer({ path: cut })).rejects.toThrow(/line 3 .*truncated/);
  });

  it('rejects a merge of unknown tokens and merges that do not fit the vocabulary', async () => {
    const unknown = await folder('unknown-merge', {
      'vocab.json': JSON.stringify(tinyVocabulary()),
      'merges.txt': '#version: 0.2\nh e\nhe xyz\n',
    });
    await expect(loadTokenizer({ path: unknown })).rejects.toThrow(TokenizerUnknownMergeError);
    await expect(loadTokenizer({ path: unknown })).rejects.toThrow(
      /merges\.txt line 3: the merge "he xyz" names "xyz"/,
    );
    const mismatch = await folder('mismatch', {
      'vocab.json': JSON.stringify(tinyVocabulary()),
      'merges.txt': '#version: 0.2\nh e\ne h\n',
    });
    await expect(loadTokenizer({ path: mismatch })).rejects.toThrow(TokenizerVocabularyMismatchError);
    await expect(loadTokenizer({ path: mismatch })).rejects.toThrow(/makes "eh", which is not in .*vocab\.json/);
    const vocabulary = tinyVocabulary();
    delete vocabulary.Ġ;
    const noSpace = await folder('no-space', {
      'vocab.json': JSON.stringify(vocabulary),
      'merges.txt': '#version: 0.2\n',
    });
    await expect(loadTokenizer({ path: noSpace })).rejects.toThrow(/no token for byte 0x20/);
  });

  it('rejects tokenizer.json files with parts it does not implement, naming them', async () => {
    const base = {
      model: { type: 'BPE', vocab: tinyVocabulary(), merges: ['h e'] },
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
    };
    const write = async (name: string, value: unknown): Promise<string> => {
      const path = join(directory, name);
      await writeFile(path, JSON.stringify(value));
      return path;
    };
    await expect(loadTokenizer({ path: await write('ok.json', base) })).resolves.toBeDefined();
    await expect(
      loadTokenizer({ path: await write('wordpiece.json', { ...base, model: { type: 'WordPiece', vocab: {} } }) }),
    ).rejects.toThrow(TokenizerUnsupportedError);
    for (const type of ['WordPiece', 'Unigram', 'WordLevel'])
      await expect(
        loadTokenizer({ path: await write(`${type}.json`, { ...base, model: { type, vocab: {} } }) }),
      ).rejects.toThrow(new RegExp(`model\\.type is "${type}"; only BPE models are implemented`));
    // Normalizers (NFKC…) and pre-tokenizers (Metaspace…) of the families in use load; others are named.
    await expect(
      loadTokenizer({ path: await write('normalizer.json', { ...base, normalizer: { type: 'BertNormalizer' } }) }),
    ).rejects.toThrow(/normalizer is "BertNormalizer": a normalizer this package does not implement/);
    await expect(
      loadTokenizer({ path: await write('whitespace.json', { ...base, pre_tokenizer: { type: 'Whitespace' } }) }),
    ).rejects.toThrow(/pre_tokenizer is "Whitespace"/);
    await expect(
      loadTokenizer({ path: await write('decoder.json', { ...base, decoder: { type: 'WordPiece' } }) }),
    ).rejects.toThrow(/decoder is "WordPiece": a decoder/);
    await expect(
      loadTokenizer({ path: await write('nfkc.json', { ...base, normalizer: { type: 'NFKC' } }) }),
    ).resolves.toBeDefined();
    await expect(
      loadTokenizer({ path: await write('merges.json', { ...base, model: { ...base.model, merges: ['h e', 7] } }) }),
    ).rejects.toThrow(/model\.merges\[1\] is 7/);
  });

  it('answers values nested a hundred thousand deep with a typed error, not a stack overflow', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const base = JSON.stringify({
      model: { type: 'BPE', vocab: tinyVocabulary(), merges: ['h e'] },
      pre_tokenizer: { type: 'ByteLevel', use_regex: true },
    });
    const cases: Array<[string, string, RegExp]> = [
      ['deep-type.json', base.replace('"type":"BPE"', `"type":${deep}`), /model\.type is an array of 1 item/],
      ['deep-merge.json', base.replace('"h e"', deep), /model\.merges\[0\] is an array of 1 item/],
      [
        'deep-normalizer.json',
        base.replace('{"model"', `{"normalizer":${deep},"model"`),
        /has a normalizer \(an array of 1 item\)/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const path = join(directory, name);
      await writeFile(path, text);
      const error = await loadTokenizer({ path }).catch((caught: unknown) => caught);
      expect(TokenizerError.isInstance(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('refuses token ids that are negative, fractional or huge, naming the file and the token', async () => {
    const base = {
      model: { type: 'BPE', vocab: tinyVocabulary(), merges: ['h e'] },
      pre_tokenizer: { type: 'ByteLevel', use_regex: true },
    };
    const huge = join(directory, 'huge-added.json');
    // Before: an id of 2^40 made the decode table 4 TB long (RangeError on the first decode).
    await writeFile(huge, JSON.stringify({ ...base, added_tokens: [{ id: 2 ** 40, content: '<x>' }] }));
    await expect(loadTokenizer({ path: huge })).rejects.toThrow(
      /huge-added\.json: added_tokens\[0\] should be an object with an integer "id" from 0 to 16,777,215/,
    );
    const negative = await folder('negative-added', {
      'vocab.json': JSON.stringify(tinyVocabulary()),
      'merges.txt': tinyMerges,
      'added_tokens.json': JSON.stringify({ '<neg>': -5 }),
    });
    // Before: loaded, and encode('<neg>') gave the id -5.
    await expect(loadTokenizer({ path: negative })).rejects.toThrow(
      /added_tokens\.json: the top level\["<neg>"\] \(-5\) should be an integer id from 0 to 16,777,215/,
    );
    const fraction = await folder('fraction-id', {
      'vocab.json': JSON.stringify({ ...tinyVocabulary(), half: 1.5 }),
      'merges.txt': tinyMerges,
    });
    await expect(loadTokenizer({ path: fraction })).rejects.toSatisfy(
      (error) =>
        TokenizerFileFormatError.isInstance(error) &&
        /vocab\.json: the top level\["half"\] \(1\.5\)/.test(String(error)),
    );
  });

  it('reads Aquila tokenizer.json with the special tokens named beside it', async () => {
    const path = await folder('aquila-json', {});
    await writeFile(join(path, 'tokenizer.json'), aquilaTokenizerJson());
    await copyFile(join(aquilaFolder, 'special_tokens_map.json'), join(path, 'special_tokens_map.json'));
    const tokenizer = await loadTokenizer({ path });
    expect([tokenizer.vocabSize, tokenizer.bosTokenId, tokenizer.eosTokenId, tokenizer.padTokenId]).toEqual([
      100_008, 100_006, 100_007, 0,
    ]);
    expect(tokenizer.encode('这是一个测试')).toEqual([15128, 5744]);
    const aquila = await loadAquilaTokenizer({ specialTokens: 'huggingface' });
    const text = "It's 中文 </s>[CLS] <|endoftext|>  x\u0085y 🙂 1234";
    expect(tokenizer.encode(text)).toEqual(aquila.encode(text));
  });
});
