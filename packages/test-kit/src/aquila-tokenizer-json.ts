import { readFileSync } from 'node:fs';
import { fixturePath } from './fixture-path.js';
import { specialAddedToken } from './special-added-token.js';

/**
 * The Hugging Face tokenizer.json of Aquila, built from vocab.json + merges.txt + special_tokens.txt exactly as
 * `aquila-tokenizer/reconstructed/tokenizer.json` of the shared fixtures was (byte for byte the same), so the
 * 3.6 MB file need not be in the repository. Plain JSON assembly, independent of the code under test.
 */
export function aquilaTokenizerJson(): string {
  const vocabulary = JSON.parse(readFileSync(fixturePath('aquila-tokenizer', 'vocab.json'), 'utf8')) as Record<
    string,
    number
  >;
  const baseSize = Object.keys(vocabulary).length;
  const specials = readFileSync(fixturePath('aquila-tokenizer', 'special_tokens.txt'), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  specials.forEach((token, index) => (vocabulary[token] = baseSize + index));
  const merges = readFileSync(fixturePath('aquila-tokenizer', 'merges.txt'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line !== '');
  const addedTokens = [
    ['<|endoftext|>', 0] as const,
    ...specials.map((token, index) => [token, baseSize + index] as const),
  ].map(([content, id]) => specialAddedToken(id, content));
  const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean): object => ({
    type: 'ByteLevel',
    add_prefix_space: addPrefixSpace,
    trim_offsets: trimOffsets,
    use_regex: true,
  });
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: vocabulary,
      merges,
    },
  });
}
