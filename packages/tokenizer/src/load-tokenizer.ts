import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeValue } from '@aquila/errors';
import { TokenizerFileFormatError, TokenizerFileNotFoundError, TokenizerUnsupportedError } from './errors.js';
import type { AddedTokenDefinition } from './internal/bpe-definition.js';
import { buildDefinition, type DefinitionSource, isTokenId, type MergeSource } from './internal/build-definition.js';
import { isRecord, parseJsonFile } from './internal/parse-json-file.js';
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

type SpecialTokenNames = DefinitionSource['specialTokenNames'];

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
  return { bos: pick('bos_token'), eos: pick('eos_token'), pad: pick('pad_token'), unk: pick('unk_token'), all };
}

function formatError(file: string, field: string, expected: string): TokenizerFileFormatError {
  return new TokenizerFileFormatError(
    `${file}: ${field} should be ${expected}. Is this a Hugging Face tokenizer.json for a byte-level BPE?`,
  );
}

function readVocabulary(value: unknown, file: string, field: string): Map<string, number> {
  if (!isRecord(value)) throw formatError(file, field, 'an object of token → id');
  const vocabulary = new Map<string, number>();
  for (const [token, id] of Object.entries(value)) {
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
      `${path}: model.type is ${describeValue(model.type)}; only byte-level BPE tokenizers are supported.`,
    );
  for (const field of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (typeof model[field] === 'string' && model[field] !== '')
      throw new TokenizerUnsupportedError(`${path}: model.${field} is set; GPT-2-style byte-level BPE has none.`);
  }
  if (typeof model.dropout === 'number' && model.dropout > 0)
    throw new TokenizerUnsupportedError(
      `${path}: model.dropout is ${model.dropout}; only deterministic BPE is supported.`,
    );
  if (root.normalizer !== undefined && root.normalizer !== null)
    throw new TokenizerUnsupportedError(
      `${path}: it has a normalizer (${describeValue(isRecord(root.normalizer) ? root.normalizer.type : root.normalizer)}); only tokenizers without one are supported.`,
    );
  const preTokenizer = root.pre_tokenizer;
  if (!isRecord(preTokenizer) || preTokenizer.type !== 'ByteLevel' || preTokenizer.use_regex === false) {
    throw new TokenizerUnsupportedError(
      `${path}: pre_tokenizer is ${describeValue(isRecord(preTokenizer) ? preTokenizer.type : preTokenizer)}; only the GPT-2 ByteLevel pre-tokenizer (use_regex true) is supported.`,
    );
  }
  const vocabulary = readVocabulary(model.vocab, path, 'model.vocab');
  if (!Array.isArray(model.merges)) throw formatError(path, 'model.merges', 'an array');
  const merges: MergeSource[] = model.merges.map((merge: unknown, index: number) => {
    const where = `${path} model.merges[${index}]`;
    if (typeof merge === 'string') {
      const parts = merge.split(' ');
      if (parts.length !== 2)
        throw new TokenizerFileFormatError(
          `${where} is ${describeValue(merge)}, not two tokens separated by one space.`,
        );
      return { left: parts[0] as string, right: parts[1] as string, where };
    }
    if (Array.isArray(merge) && merge.length === 2 && typeof merge[0] === 'string' && typeof merge[1] === 'string')
      return { left: merge[0], right: merge[1], where };
    throw new TokenizerFileFormatError(`${where} is ${describeValue(merge)}, not "left right" or ["left", "right"].`);
  });
  const addedTokens: AddedTokenDefinition[] = [];
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
      if (token.single_word === true)
        throw new TokenizerUnsupportedError(
          `${path}: added_tokens[${index}] (${describeValue(token.content)}) is single_word, which is not supported.`,
        );
      addedTokens.push({
        id: token.id,
        content: token.content,
        lstrip: token.lstrip === true,
        rstrip: token.rstrip === true,
        special: token.special === true,
      });
    });
  }
  return buildDefinition({
    vocabulary,
    merges,
    vocabularyFile: path,
    addedTokens,
    stripWhiteSpace: 'unicode',
    addPrefixSpace: preTokenizer.add_prefix_space === true,
    specialTokenNames: names,
  });
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
