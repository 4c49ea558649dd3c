// Properties of the tokenizer.json reader, run in a worker by load-tokenizer-properties.test.ts: any text,
// however mutated, gives a working tokenizer or a TokenizerError, never a TypeError, a RangeError or a hang.
import fc from 'fast-check';
import { TokenizerError } from './errors.js';
import { buildDefinition } from './internal/build-definition.js';
import { parseMerges, parseTokenizerJson } from './load-tokenizer.js';
import { Tokenizer } from './tokenizer.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A small but complete byte-level BPE: the 256 byte symbols, a few merges, two added tokens. */
function tinyTokenizerJson(): { [key: string]: Json } {
  const vocab: { [key: string]: Json } = {};
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable =
      (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    vocab[String.fromCharCode(printable ? byte : next++)] = byte;
  }
  const merges = ['s e', 'se l', 'sel e', 'Ġ f', 'Ġf r', 'Ġfr o', 'Ġfro m', 'Ġ s'];
  let id = 256;
  for (const merge of merges) vocab[merge.replace(' ', '')] = id++;
  return {
    version: '1.0',
    added_tokens: [
      { id: id, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      {
        id: id + 1,
        content: '[CLS]',
        single_word: false,
        lstrip: true,
        rstrip: true,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    decoder: { type: 'ByteLevel' },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      vocab,
      merges,
    },
  };
}

/** The containers and keys of a JSON tree, as paths. */
function paths(
  value: Json,
  prefix: Array<string | number> = [],
  found: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  found.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => paths(item, [...prefix, index], found));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) paths(item, [...prefix, key], found);
  return found;
}

/** `root` with the value at `path` replaced (or removed, for `undefined`). */
function replaceAt(root: Json, path: ReadonlyArray<string | number>, replacement: Json | undefined): Json {
  if (path.length === 0) return replacement ?? null;
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  if (Array.isArray(root)) {
    const copy = [...root];
    if (replacement === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = replaceAt(root[head as number] as Json, rest, replacement);
    return copy;
  }
  const copy = { ...(root as { [key: string]: Json }) };
  if (replacement === undefined && rest.length === 0) delete copy[head as string];
  else copy[head as string] = replaceAt((root as { [key: string]: Json })[head as string] as Json, rest, replacement);
  return copy;
}

const base = tinyTokenizerJson();
const basePaths = paths(base);
const baseText = JSON.stringify(base);

/** Values a mutation puts in: any JSON, and the ones that matter here (ids near the limits, tokens, nesting). */
const replacement: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json | undefined>(
    undefined,
    -1,
    1.5,
    2 ** 24,
    2 ** 53,
    1e308,
    '',
    ' ',
    'Ġ',
    's e',
    'x y',
    'ByteLevel',
    'BPE',
    [],
    {},
    ['s', 'e'],
    [[[[[]]]]],
  ),
  fc.integer({ min: -5, max: 300 }),
  fc.string({ maxLength: 6 }),
);

// Most mutations go outside the 256 byte symbols of the vocabulary, where one edit is not always fatal.
const vocabPaths = basePaths.filter((path) => path[0] === 'model' && path[1] === 'vocab' && path.length === 3);
const otherPaths = basePaths.filter((path) => !vocabPaths.includes(path));
const mutationPath = fc.oneof(
  { arbitrary: fc.constantFrom(...otherPaths), weight: 4 },
  { arbitrary: fc.constantFrom(...vocabPaths), weight: 1 },
);

const structural = fc.array(fc.tuple(mutationPath, replacement), { minLength: 1, maxLength: 4 }).map((edits) => {
  let root: Json = base;
  for (const [path, value] of edits) {
    try {
      root = replaceAt(root, path, value);
    } catch {
      // An earlier edit removed or replaced what this path went through: keep the tree as it is.
    }
  }
  return JSON.stringify(root);
});

const textual = fc
  .array(
    fc.tuple(
      fc.nat(baseText.length - 1),
      fc.oneof(
        fc.string({ maxLength: 3 }),
        fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\\u', '-', '9e9', ''),
      ),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((edits) => {
    let text = baseText;
    for (const [at, insert] of edits)
      text = text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + 1);
    return text;
  });

const truncated = fc.nat(baseText.length).map((length) => baseText.slice(0, length));

/**
 * Valid tokenizers with random merges (any pair of existing tokens, in any rank order, the same result made
 * twice): what stresses the encoder itself, whose merge loop must end and agree with its tables.
 */
const randomMerges = fc
  .array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 60 })
  .chain((pairs) =>
    fc.tuple(
      fc.constant(pairs),
      fc.shuffledSubarray(
        pairs.map((_, index) => index),
        { minLength: pairs.length, maxLength: pairs.length },
      ),
    ),
  )
  .map(([pairs, order]) => {
    const vocab = { ...(base.model as { vocab: { [key: string]: Json } }).vocab };
    const tokens = Object.keys(vocab).filter((token) => !token.includes(' '));
    let next = 0;
    for (const id of Object.values(vocab)) next = Math.max(next, (id as number) + 1);
    const merges: string[] = [];
    for (const [left, right] of pairs) {
      const a = tokens[left % tokens.length] as string;
      const b = tokens[right % tokens.length] as string;
      if (!(a + b in vocab)) {
        vocab[a + b] = next++;
        tokens.push(a + b);
      }
      merges.push(`${a} ${b}`);
    }
    const shuffled = order.map((index) => merges[index] as string);
    return JSON.stringify({ ...base, added_tokens: [], model: { ...(base.model as object), vocab, merges: shuffled } });
  });

const samples = ['select from sel </s>', ' [CLS] select\u00a0from  x', 'SÉLECT 中文 🙂 \ud800', ''];

/** Loads, encodes and decodes; any failure must be a TokenizerError. */
function loadsOrFailsTyped(text: string): void {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(parseTokenizerJson(text, 'fuzz/tokenizer.json', {}));
  } catch (error) {
    if (TokenizerError.isInstance(error)) return;
    throw error;
  }
  for (const sample of samples) {
    const ids = tokenizer.encode(sample, { addSpecialTokens: true });
    tokenizer.decode(ids);
    const streaming = tokenizer.createStreamingDecoder({ skipSpecialTokens: true });
    for (const id of ids) streaming.push(id);
    streaming.flush();
  }
}

export function tokenizerJsonLoadsOrFailsTyped(): void {
  fc.assert(fc.property(fc.oneof(structural, textual, truncated, randomMerges), loadsOrFailsTyped), { numRuns: 2000 });
}

const baseVocabulary = new Map(Object.entries((base.model as { vocab: { [key: string]: number } }).vocab));
const baseMerges = `#version: 0.2\n${((base.model as { merges: string[] }).merges).join('\n')}\n`;

/** merges.txt as written, then with characters changed, lines cut, CRLF endings and stray spaces. */
const mergesText = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.nat(baseMerges.length),
        fc.constantFrom('', ' ', '  ', '\n', '\r\n', 'x', 'Ġ', '#version', '\u0000', 'se'),
      ),
      { maxLength: 5 },
    )
    .map((edits) => {
      let text = baseMerges;
      for (const [at, insert] of edits)
        text = text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + 1);
      return text;
    }),
  fc.nat(baseMerges.length).map((length) => baseMerges.slice(0, length)),
  fc.string({ maxLength: 40 }),
);

export function mergesTextLoadsOrFailsTyped(): void {
  fc.assert(
    fc.property(mergesText, (text) => {
      let tokenizer: Tokenizer;
      try {
        const merges = parseMerges(text, 'fuzz/merges.txt');
        tokenizer = new Tokenizer(
          buildDefinition({
            vocabulary: baseVocabulary,
            merges,
            vocabularyFile: 'fuzz/vocab.json',
            addedTokens: [],
            stripWhiteSpace: 'unicode',
            addPrefixSpace: false,
            specialTokenNames: {},
          }),
        );
      } catch (error) {
        if (TokenizerError.isInstance(error)) return;
        throw error;
      }
      for (const sample of samples) tokenizer.decode(tokenizer.encode(sample));
    }),
    { numRuns: 2000 },
  );
}
