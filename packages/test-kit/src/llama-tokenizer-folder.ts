import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFilesTogether } from '@aquila/files';
import llamaTokenizer from 'llama-tokenizer-js';
import { specialAddedToken } from './special-added-token.js';

/**
 * Llama-2's `tokenizer.json` in meta-llama/Llama-2-7b-hf's layout, rebuilt from the vocabulary (in id order) and
 * merges (in the file's order) that llama-tokenizer-js embeds, taken from the tokenizer.json distributed with LLaMA
 * (LLaMA and Llama-2 share one SentencePiece model). Plain JSON assembly, independent of the code under test.
 */
export function llamaTokenizerJson(): string {
  const tokens = llamaTokenizer.vocabById;
  // By hand: JSON.stringify of an object would move integer-like tokens ("0", "1", …) to the front.
  const vocabulary = `{${tokens.map((token, id) => `${JSON.stringify(token)}:${id}`).join(',')}}`;
  // Keys are "left right" of the merges in priority order (Map keeps insertion order).
  const merges = JSON.stringify([...llamaTokenizer.merges.keys()]);
  const rest = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [specialAddedToken(0, '<unk>'), specialAddedToken(1, '<s>'), specialAddedToken(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
  };
  const model = [
    '"type":"BPE","dropout":null,"unk_token":"<unk>","continuing_subword_prefix":null,"end_of_word_suffix":null',
    '"fuse_unk":true,"byte_fallback":true',
    `"vocab":${vocabulary}`,
    `"merges":${merges}`,
  ].join(',');
  return `${JSON.stringify(rest).slice(0, -1)},"model":{${model}}}`;
}

/** meta-llama/Llama-2-7b-hf's `tokenizer_config.json` (all but `model_max_length`). */
const tokenizerConfig = {
  add_bos_token: true,
  add_eos_token: false,
  bos_token: {
    __type: 'AddedToken',
    content: '<s>',
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
  },
  clean_up_tokenization_spaces: false,
  eos_token: {
    __type: 'AddedToken',
    content: '</s>',
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
  },
  legacy: false,
  pad_token: null,
  padding_side: 'right',
  sp_model_kwargs: {},
  tokenizer_class: 'LlamaTokenizer',
  unk_token: {
    __type: 'AddedToken',
    content: '<unk>',
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
  },
};

let written: Promise<string> | undefined;

/**
 * A folder holding Llama-2's `tokenizer.json` (see `llamaTokenizerJson`) and `tokenizer_config.json`, written
 * atomically once per process into the system's temporary folder (concurrent processes write the same bytes).
 */
export function llamaTokenizerFolder(): Promise<string> {
  written ??= (async () => {
    const folder = join(tmpdir(), 'aquila-test-kit', 'llama-2-tokenizer');
    await mkdir(folder, { recursive: true });
    await writeFilesTogether({
      files: [
        { path: join(folder, 'tokenizer.json'), data: llamaTokenizerJson() },
        { path: join(folder, 'tokenizer_config.json'), data: `${JSON.stringify(tokenizerConfig, null, 2)}\n` },
      ],
    });
    return folder;
  })();
  return written;
}
