import { describeValue } from '@aquila/errors';
import { TokenizerFileFormatError, TokenizerUnsupportedError } from '../errors.js';
import { isRecord } from './parse-json-file.js';
import type {
  DecoderDefinition,
  NormalizerDefinition,
  PatternDefinition,
  PreTokenizerDefinition,
  SplitBehavior,
} from './pipeline-definition.js';

function malformed(where: string, value: unknown, expected: string): TokenizerFileFormatError {
  return new TokenizerFileFormatError(`${where} is ${describeValue(value)}; it should be ${expected}.`);
}

function unsupported(where: string, kind: string, type: unknown, supported: string): TokenizerUnsupportedError {
  return new TokenizerUnsupportedError(
    `${where} is ${describeValue(type)}: a ${kind} this package does not implement (it reads ${supported}). Use Hugging Face tokenizers for this file.`,
  );
}

function field<T>(
  record: Record<string, unknown>,
  key: string,
  where: string,
  check: (value: unknown) => value is T,
  expected: string,
  fallback?: T,
): T {
  const value = record[key];
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (!check(value)) throw malformed(`${where}.${key}`, value, expected);
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isArray = (value: unknown): value is unknown[] => Array.isArray(value);
const isCharacter = (value: unknown): value is string => typeof value === 'string' && [...value].length === 1;

function typeOf(value: unknown, where: string): { record: Record<string, unknown>; type: unknown } {
  if (!isRecord(value)) throw malformed(where, value, 'an object with a "type"');
  return { record: value, type: value.type };
}

/** `{ "String": "…" }` or `{ "Regex": "…" }`. */
function readPattern(value: unknown, where: string): PatternDefinition {
  if (isRecord(value) && typeof value.String === 'string') return { string: value.String };
  if (isRecord(value) && typeof value.Regex === 'string') return { regex: value.Regex };
  throw malformed(where, value, '{ "String": … } or { "Regex": … }');
}

/** The pattern and content of a Replace normalizer or decoder. */
function replaceFields(
  record: Record<string, unknown>,
  where: string,
): { pattern: PatternDefinition; content: string } {
  return {
    pattern: readPattern(record.pattern, `${where}.pattern`),
    content: field(record, 'content', where, isString, 'a string'),
  };
}

const normalizerTypes = 'NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Prepend, Replace and Sequence';

export function readNormalizer(value: unknown, where: string): NormalizerDefinition {
  const { record, type } = typeOf(value, where);
  switch (type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
    case 'Lowercase':
    case 'StripAccents':
      return { type };
    case 'Strip':
      return {
        type,
        left: field(record, 'strip_left', where, isBoolean, 'true or false', true),
        right: field(record, 'strip_right', where, isBoolean, 'true or false', true),
      };
    case 'Prepend':
      return { type, prepend: field(record, 'prepend', where, isString, 'a string') };
    case 'Replace':
      return { type, ...replaceFields(record, where) };
    case 'Sequence':
      return {
        type,
        normalizers: field(record, 'normalizers', where, isArray, 'an array').map((item, index) =>
          readNormalizer(item, `${where}.normalizers[${index}]`),
        ),
      };
    default:
      throw unsupported(where, 'normalizer', type, normalizerTypes);
  }
}

const behaviors: readonly SplitBehavior[] = [
  'Removed',
  'Isolated',
  'MergedWithPrevious',
  'MergedWithNext',
  'Contiguous',
];
const isBehavior = (value: unknown): value is SplitBehavior => behaviors.includes(value as SplitBehavior);
const schemes = ['always', 'first', 'never'] as const;
const isScheme = (value: unknown): value is (typeof schemes)[number] => schemes.includes(value as 'always');

/** Metaspace's prepend scheme: `prepend_scheme`, or the older `add_prefix_space` (true: always). */
function prependScheme(record: Record<string, unknown>, where: string): 'always' | 'first' | 'never' {
  if (record.prepend_scheme !== undefined)
    return field(record, 'prepend_scheme', where, isScheme, '"always", "first" or "never"');
  return field(record, 'add_prefix_space', where, isBoolean, 'true or false', true) ? 'always' : 'never';
}

const preTokenizerTypes = 'Split, Digits, Metaspace, ByteLevel and Sequence';

export function readPreTokenizer(value: unknown, where: string): PreTokenizerDefinition {
  const { record, type } = typeOf(value, where);
  switch (type) {
    case 'Split':
      return {
        type,
        pattern: readPattern(record.pattern, `${where}.pattern`),
        behavior: field(record, 'behavior', where, isBehavior, `one of ${behaviors.join(', ')}`),
        invert: field(record, 'invert', where, isBoolean, 'true or false', false),
      };
    case 'Digits':
      return { type, individualDigits: field(record, 'individual_digits', where, isBoolean, 'true or false', false) };
    case 'Metaspace':
      return {
        type,
        replacement: field(record, 'replacement', where, isCharacter, 'one character', '\u2581'),
        prependScheme: prependScheme(record, where),
        split: field(record, 'split', where, isBoolean, 'true or false', true),
      };
    case 'ByteLevel':
      return {
        type,
        addPrefixSpace: field(record, 'add_prefix_space', where, isBoolean, 'true or false', false),
        useRegex: field(record, 'use_regex', where, isBoolean, 'true or false', true),
      };
    case 'Sequence': {
      const steps = field(record, 'pretokenizers', where, isArray, 'an array').map((item, index) =>
        readPreTokenizer(item, `${where}.pretokenizers[${index}]`),
      );
      steps.forEach((step, index) => {
        if (index < steps.length - 1 && (step.type === 'ByteLevel' || step.type === 'Sequence'))
          throw new TokenizerUnsupportedError(
            `${where}.pretokenizers[${index}] is a ${step.type} before other pre-tokenizers; only a ByteLevel at the end of the sequence is implemented.`,
          );
      });
      return { type, preTokenizers: steps };
    }
    default:
      throw unsupported(where, 'pre-tokenizer', type, preTokenizerTypes);
  }
}

/** Whether the pre-tokenizer hands the model bytes (a ByteLevel step). */
export function preTokenizerIsByteLevel(definition: PreTokenizerDefinition | undefined): boolean {
  if (definition === undefined) return false;
  if (definition.type === 'Sequence') return definition.preTokenizers.some((step) => step.type === 'ByteLevel');
  return definition.type === 'ByteLevel';
}

const decoderTypes = 'ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace and Sequence';

export function readDecoder(value: unknown, where: string): DecoderDefinition {
  const { record, type } = typeOf(value, where);
  switch (type) {
    case 'ByteLevel':
    case 'ByteFallback':
    case 'Fuse':
      return { type };
    case 'Metaspace':
      return {
        type,
        replacement: field(record, 'replacement', where, isCharacter, 'one character', '\u2581'),
        prependScheme: prependScheme(record, where),
      };
    case 'Strip':
      return {
        type,
        content: field(record, 'content', where, isCharacter, 'one character'),
        start: field(record, 'start', where, isCount, 'a count'),
        stop: field(record, 'stop', where, isCount, 'a count'),
      };
    case 'Replace':
      return { type, ...replaceFields(record, where) };
    case 'Sequence':
      return {
        type,
        decoders: field(record, 'decoders', where, isArray, 'an array').map((item, index) =>
          readDecoder(item, `${where}.decoders[${index}]`),
        ),
      };
    default:
      throw unsupported(where, 'decoder', type, decoderTypes);
  }
}

type Template = { before: number[]; after: number[] };

/** A `[content, id]` pair of Bert/RobertaProcessing. */
function specialPair(record: Record<string, unknown>, key: string, where: string): number {
  const value = record[key];
  if (!Array.isArray(value) || value.length !== 2 || !isCount(value[1]))
    throw malformed(`${where}.${key}`, value, 'a [token, id] pair');
  return value[1];
}

function templateIds(record: Record<string, unknown>, where: string): Template {
  const single = field(record, 'single', where, isArray, 'an array');
  const specials = isRecord(record.special_tokens) ? record.special_tokens : {};
  const template: Template = { before: [], after: [] };
  let seenSequence = false;
  single.forEach((item, index) => {
    const at = `${where}.single[${index}]`;
    if (isRecord(item) && isRecord(item.Sequence)) {
      if (item.Sequence.id !== 'A' || seenSequence) throw malformed(at, item, 'the one { "Sequence": { "id": "A" } }');
      seenSequence = true;
      return;
    }
    const name = isRecord(item) && isRecord(item.SpecialToken) ? item.SpecialToken.id : undefined;
    const special = typeof name === 'string' ? specials[name] : undefined;
    if (!isRecord(special) || !Array.isArray(special.ids) || !special.ids.every(isCount))
      throw malformed(at, item, 'a SpecialToken named in special_tokens with its "ids"');
    (seenSequence ? template.after : template.before).push(...(special.ids as number[]));
  });
  if (!seenSequence) throw malformed(`${where}.single`, single, 'a template holding { "Sequence": { "id": "A" } }');
  return template;
}

/** What the post-processor puts around a single text when special tokens are added. */
export function readPostProcessor(value: unknown, where: string): Template {
  if (value === null || value === undefined) return { before: [], after: [] };
  const { record, type } = typeOf(value, where);
  switch (type) {
    case 'ByteLevel':
      return { before: [], after: [] };
    case 'TemplateProcessing':
      return templateIds(record, where);
    case 'BertProcessing':
    case 'RobertaProcessing':
      return { before: [specialPair(record, 'cls', where)], after: [specialPair(record, 'sep', where)] };
    case 'Sequence': {
      const template: Template = { before: [], after: [] };
      field(record, 'processors', where, isArray, 'an array').forEach((item, index) => {
        const step = readPostProcessor(item, `${where}.processors[${index}]`);
        template.before = [...step.before, ...template.before];
        template.after = [...template.after, ...step.after];
      });
      return template;
    }
    default:
      throw unsupported(
        where,
        'post-processor',
        type,
        'TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel and Sequence',
      );
  }
}
