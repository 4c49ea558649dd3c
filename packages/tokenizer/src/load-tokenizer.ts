import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeValue } from '@aquila/errors';
import { TokenizerFileFormatError, TokenizerFileNotFoundError, TokenizerUnsupportedError } from './errors.js';
import type { AddedTokenDefinition } from './internal/bpe-definition.js';
import { buildDefinition, type DefinitionSource, isTokenId, type MergeSource } from './internal/build-definition.js';
import { buildNormalizer } from './internal/normalize-text.js';
import { isRecord, parseJsonFile } from './internal/parse-json-file.js';
import type { AddedTokenFlags, PipelineDefinition } from './internal/pipeline-definition.js';
import {
  preTokenizerIsByteLevel,
  readDecoder,
  readNormalizer,
  readPostProcessor,
  readPreTokenizer,
} from './internal/read-pipeline.js';
import { Tokenizer } from './tokenizer.js';

export interface LoadTokenizerOptions {
  /**
   * A Hugging Face `tokenizer.json`, or a folder holding `tokenizer.json` or the GPT-2 layout:
   * `vocab.json` + `merges.txt`, with optional `special_tokens.txt` (Megatron: appended after the
   * vocabulary, in order), `special_tokens_map.json`, `tokenizer_config.json` and `added_tokens.json`.
   */
  path: string;
  signal?: AbortSignal;
}

/** bos/eos/pad/unk, and `add_bos_token` of tokenizer_config.json where it says. */
type SpecialTokenNames = DefinitionSource['specialTokenNames'] & { addBos?: boolean };

/** Loads a byte-level BPE tokenizer (GPT-2 pre-tokenizer and byte alphabet), checking every file it reads. */
export async function loadTokenizer(options: LoadTokenizerOptions): Promise<Tokenizer> {
  const { path, signal } = options;
  const kind = await statKind(path);
  if (kind === 'file') {
    return new Tokenizer(await readTokenizerJson(path, await readSpecialTokenNames(dirname(path), signal), signal));
  }
  const tokenizerJson = join(path, 'tokenizer.json');
  const names = await readSpecialTokenNames(path, signal);
  if ((await statKind(tokenizerJson, false)) === 'file')
    return new Tokenizer(await readTokenizerJson(tokenizerJson, names, signal));
  return new Tokenizer(await readGpt2Layout(path, names, signal));
}

async function statKind(path: string, required = true): Promise<'file' | 'directory' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch (error) {
    if (!required) return 'missing';
    throw new TokenizerFileNotFoundError(
      `Tokenizer path ${path} does not exist or cannot be read. Pass a tokenizer.json file or a folder holding tokenizer.json or vocab.json and merges.txt.`,
      { cause: error },
    );
  }
}

async function readText(path: string, signal: AbortSignal | undefined, what: string): Promise<string> {
  try {
    return await readFile(path, { encoding: 'utf8', signal });
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    throw new TokenizerFileNotFoundError(`${path} is missing or unreadable: ${what}.`, { cause: error });
  }
}

async function readOptionalJson(path: string, signal: AbortSignal | undefined): Promise<unknown> {
  if ((await statKind(path, false)) !== 'file') return undefined;
  return parseJsonFile(await readText(path, signal, 'it was listed a moment ago'), path);
}

/** `"[CLS]"` or `{ "content": "[CLS]", … }` (the two ways HF writes a special token). */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  return undefined;
}

/** bos/eos/pad/unk from `tokenizer_config.json`, falling back to `special_tokens_map.json`. */
async function readSpecialTokenNames(
  folder: string,
  signal: AbortSignal | undefined,
): Promise<SpecialTokenNames & { all: string[] }> {
  const config = await readOptionalJson(join(folder, 'tokenizer_config.json'), signal);
  const map = await readOptionalJson(join(folder, 'special_tokens_map.json'), signal);
  const pick = (key: string): string | undefined =>
    tokenContent(isRecord(config) ? config[key] : undefined) ?? tokenContent(isRecord(map) ? map[key] : undefined);
  const all: string[] = [];
  for (const source of [map, config]) {
    if (!isRecord(source)) continue;
    for (const [key, value] of Object.entries(source)) {
      if (key.endsWith('_token')) {
        const content = tokenContent(value);
        if (content !== undefined) all.push(content);
      }
      if (key === 'additional_special_tokens' && Array.isArray(value))
        for (const item of value) if (tokenContent(item) !== undefined) all.push(tokenContent(item) as string);
    }
  }
  const addBos = isRecord(config) && typeof config.add_bos_token === 'boolean' ? config.add_bos_token : undefined;
  return {
    bos: pick('bos_token'),
    eos: pick('eos_token'),
    pad: pick('pad_token'),
    unk: pick('unk_token'),
    all,
    ...(addBos === undefined ? {} : { addBos }),
  };
}

function formatError(file: string, field: string, expected: string): TokenizerFileFormatError {
  return new TokenizerFileFormatError(
    `${file}: ${field} should be ${expected}. Is this a Hugging Face tokenizer.json for a byte-level BPE?`,
  );
}

function readVocabulary(value: unknown, file: string, field: string): Map<string, number> {
  if (!isRecord(value)) throw formatError(file, field, 'an object of token → id');
  const vocabulary = new Map<string, number>();
  for (const token in value) {
    const id = value[token];
    if (!isTokenId(id))
      throw formatError(
        file,
        `${field}[${describeValue(token)}] (${describeValue(id)})`,
        'an integer id from 0 to 16,777,215',
      );
    vocabulary.set(token, id);
  }
  return vocabulary;
}

async function readTokenizerJson(
  path: string,
  names: SpecialTokenNames,
  signal: AbortSignal | undefined,
): Promise<ReturnType<typeof buildDefinition>> {
  return parseTokenizerJson(await readText(path, signal, 'the tokenizer file'), path, names);
}

/** The definition in the text of a Hugging Face `tokenizer.json` (`path` names it in errors). */
export function parseTokenizerJson(
  text: string,
  path: string,
  names: SpecialTokenNames,
): ReturnType<typeof buildDefinition> {
  const root = parseJsonFile(text, path);
  if (!isRecord(root) || !isRecord(root.model)) throw formatError(path, 'the top level', 'an object with a "model"');
  const model = root.model;
  if (model.type !== undefined && model.type !== 'BPE')
    throw new TokenizerUnsupportedError(
      `${path}: model.type is ${describeValue(model.type)}; only BPE models are implemented (byte-level as GPT-2, Qwen2 and Llama-3 use, or SentencePiece-style as Llama-2 and Mistral use). Use Hugging Face tokenizers for this file.`,
    );
  for (const field of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (typeof model[field] === 'string' && model[field] !== '')
      throw new TokenizerUnsupportedError(`${path}: model.${field} is set; GPT-2-style byte-level BPE has none.`);
  }
  if (typeof model.dropout === 'number' && model.dropout > 0)
    throw new TokenizerUnsupportedError(
      `${path}: model.dropout is ${model.dropout}; only deterministic BPE is supported.`,
    );
  if (root.normalizer !== undefined && root.normalizer !== null && !isRecord(root.normalizer))
    throw new TokenizerFileFormatError(
      `${path}: it has a normalizer (${describeValue(root.normalizer)}) that is not an object with a "type".`,
    );
  const vocabulary = readVocabulary(model.vocab, path, 'model.vocab');
  if (!Array.isArray(model.merges)) throw formatError(path, 'model.merges', 'an array');
  // No per-merge strings beyond the two parts (Llama-3 has 280,000 merges): `where` is made for errors only.
  const merges: MergeSource[] = model.merges.map((merge: unknown, index: number) => {
    if (typeof merge === 'string') {
      const space = merge.indexOf(' ');
      if (space < 0 || merge.indexOf(' ', space + 1) >= 0)
        throw new TokenizerFileFormatError(
          `${path} model.merges[${index}] is ${describeValue(merge)}, not two tokens separated by one space.`,
        );
      return { left: merge.slice(0, space), right: merge.slice(space + 1) };
    }
    if (Array.isArray(merge) && merge.length === 2 && typeof merge[0] === 'string' && typeof merge[1] === 'string')
      return { left: merge[0], right: merge[1] };
    throw new TokenizerFileFormatError(
      `${path} model.merges[${index}] is ${describeValue(merge)}, not "left right" or ["left", "right"].`,
    );
  });
  const addedTokens: AddedTokenDefinition[] = [];
  const addedTokenFlags: AddedTokenFlags[] = [];
  if (root.added_tokens !== undefined && root.added_tokens !== null) {
    if (!Array.isArray(root.added_tokens)) throw formatError(path, 'added_tokens', 'an array');
    root.added_tokens.forEach((token: unknown, index: number) => {
      if (!isRecord(token) || !isTokenId(token.id) || typeof token.content !== 'string' || token.content === '') {
        throw formatError(
          path,
          `added_tokens[${index}]`,
          'an object with an integer "id" from 0 to 16,777,215 and a non-empty "content"',
        );
      }
      const special = token.special === true;
      addedTokens.push({
        id: token.id,
        content: token.content,
        lstrip: token.lstrip === true,
        rstrip: token.rstrip === true,
        special,
      });
      addedTokenFlags.push({
        id: token.id,
        singleWord: token.single_word === true,
        normalized: typeof token.normalized === 'boolean' ? token.normalized : !special,
      });
    });
  }
  const source = {
    vocabulary,
    merges,
    vocabularyFile: path,
    addedTokens,
    stripWhiteSpace: 'unicode',
    specialTokenNames: names,
  } as const;
  const preTokenizer = root.pre_tokenizer;
  if (isGpt2Shaped(root, model, addedTokenFlags) && isRecord(preTokenizer))
    return buildDefinition({ ...source, addPrefixSpace: preTokenizer.add_prefix_space === true });
  assignAddedTokenIds(vocabulary, addedTokens, addedTokenFlags);
  const pipeline = readPipeline(root, model, vocabulary, addedTokens, addedTokenFlags, names, path);
  if (pipeline.normalizer !== undefined) {
    // HF keeps a `normalized` token as its normalized text: it is matched in normalized text and decodes as that.
    const normalize = buildNormalizer(pipeline.normalizer, `${path}: normalizer`);
    addedTokens.forEach((token, index) => {
      if (addedTokenFlags[index]?.normalized === true) token.content = normalize(token.content);
    });
  }
  return buildDefinition({ ...source, addPrefixSpace: false, pipeline });
}

/**
 * The ids HF's `AddedVocabulary::add_tokens` gives when it reads a file (the ids written there are only
 * checked, with a warning): a token the model has keeps the model's id; others count on from the vocabulary's
 * size, in order. The same as written for files HF saved; different for hand-edited ones.
 */
function assignAddedTokenIds(
  vocabulary: Map<string, number>,
  tokens: AddedTokenDefinition[],
  flags: AddedTokenFlags[],
): void {
  const assigned = new Map<string, number>();
  let highest = -1;
  tokens.forEach((token, index) => {
    let id = vocabulary.get(token.content) ?? assigned.get(token.content);
    if (id === undefined) id = highest >= vocabulary.size || vocabulary.size === 0 ? highest + 1 : vocabulary.size;
    assigned.set(token.content, id);
    highest = Math.max(highest, id);
    token.id = id;
    (flags[index] as AddedTokenFlags).id = id;
  });
}

/**
 * Whether a file is what the fast path (and this package before the general one) reads: no normalizer,
 * GPT-2's ByteLevel pre-tokenizer and decoder, a post-processor that adds nothing, plain BPE. Such files
 * keep FlagAI's BOS + EOS for `addSpecialTokens`, as Aquila's own files always had.
 */
function isGpt2Shaped(
  root: Record<string, unknown>,
  model: Record<string, unknown>,
  flags: AddedTokenFlags[],
): boolean {
  const none = (value: unknown): boolean => value === undefined || value === null;
  const byteLevel = (value: unknown): boolean => isRecord(value) && value.type === 'ByteLevel';
  return (
    none(root.normalizer) &&
    byteLevel(root.pre_tokenizer) &&
    (root.pre_tokenizer as Record<string, unknown>).use_regex !== false &&
    (none(root.post_processor) || byteLevel(root.post_processor)) &&
    (none(root.decoder) || byteLevel(root.decoder)) &&
    model.ignore_merges !== true &&
    model.byte_fallback !== true &&
    flags.every((flag) => !flag.singleWord)
  );
}

/** The general path's parts of a `tokenizer.json` (see `PipelineDefinition`). */
function readPipeline(
  root: Record<string, unknown>,
  model: Record<string, unknown>,
  vocabulary: Map<string, number>,
  addedTokens: AddedTokenDefinition[],
  addedTokenFlags: AddedTokenFlags[],
  names: SpecialTokenNames,
  path: string,
): PipelineDefinition {
  const present = (value: unknown): boolean => value !== undefined && value !== null;
  const preTokenizer = present(root.pre_tokenizer)
    ? readPreTokenizer(root.pre_tokenizer, `${path}: pre_tokenizer`)
    : undefined;
  const template = readPostProcessor(root.post_processor, `${path}: post_processor`);
  const hex = (byte: number): string => `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
  const bos =
    names.bos === undefined
      ? undefined
      : (addedTokens.find((token) => token.content === names.bos)?.id ?? vocabulary.get(names.bos));
  return {
    normalizer: present(root.normalizer) ? readNormalizer(root.normalizer, `${path}: normalizer`) : undefined,
    preTokenizer,
    byteLevel: preTokenizerIsByteLevel(preTokenizer),
    ignoreMerges: model.ignore_merges === true,
    byteFallbackIds:
      model.byte_fallback === true
        ? Array.from({ length: 256 }, (_, byte) => vocabulary.get(hex(byte)) ?? -1)
        : undefined,
    unkTokenId: typeof model.unk_token === 'string' ? vocabulary.get(model.unk_token) : undefined,
    fuseUnk: model.fuse_unk === true,
    addedTokenFlags,
    template,
    // tokenizer_config.json's add_bos_token (what transformers' Llama tokenizers follow), else the template.
    promptPrefix: names.addBos === undefined ? template.before : names.addBos && bos !== undefined ? [bos] : [],
    decoder: present(root.decoder) ? readDecoder(root.decoder, `${path}: decoder`) : undefined,
  };
}

/** merges.txt as Hugging Face reads it: `#version` lines skipped, every other line exactly two tokens. */
export function parseMerges(text: string, file: string): MergeSource[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const merges: MergeSource[] = [];
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#version')) return;
    const parts = line.split(' ');
    const where = `${file} line ${index + 1}`;
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      const hint = index === lines.length - 1 ? ' The file looks truncated: copy it again.' : '';
      throw new TokenizerFileFormatError(
        `${where} is ${describeValue(line, 80)}, not two tokens separated by one space.${hint}`,
      );
    }
    merges.push({ left: parts[0] as string, right: parts[1] as string, where });
  });
  return merges;
}

async function readGpt2Layout(
  folder: string,
  names: SpecialTokenNames & { all: string[] },
  signal: AbortSignal | undefined,
): Promise<ReturnType<typeof buildDefinition>> {
  const vocabularyFile = join(folder, 'vocab.json');
  const mergesFile = join(folder, 'merges.txt');
  const folderHint = `folder ${folder} has no tokenizer.json, so it needs vocab.json and merges.txt`;
  const vocabulary = readVocabulary(
    parseJsonFile(await readText(vocabularyFile, signal, folderHint), vocabularyFile),
    vocabularyFile,
    'the top level',
  );
  const merges = parseMerges(await readText(mergesFile, signal, folderHint), mergesFile);
  let nextId = 0;
  for (const id of vocabulary.values()) nextId = Math.max(nextId, id + 1);
  const addedTokens: AddedTokenDefinition[] = [];
  const add = (content: string, id?: number): void => {
    if (content === '' || addedTokens.some((token) => token.content === content)) return;
    addedTokens.push({
      id: id ?? vocabulary.get(content) ?? nextId++,
      content,
      lstrip: false,
      rstrip: false,
      special: true,
    });
  };
  const specialTokensFile = join(folder, 'special_tokens.txt');
  if ((await statKind(specialTokensFile, false)) === 'file') {
    for (const line of (await readText(specialTokensFile, signal, 'listed a moment ago')).split('\n')) add(line.trim());
  }
  const addedTokensFile = join(folder, 'added_tokens.json');
  const extra = await readOptionalJson(addedTokensFile, signal);
  if (extra !== undefined)
    for (const [content, id] of readVocabulary(extra, addedTokensFile, 'the top level')) add(content, id);
  for (const content of names.all) add(content);
  return buildDefinition({
    vocabulary,
    merges,
    vocabularyFile,
    addedTokens,
    stripWhiteSpace: 'unicode',
    addPrefixSpace: false,
    specialTokenNames: names,
  });
}
