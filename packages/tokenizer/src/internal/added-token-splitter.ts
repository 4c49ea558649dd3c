import type { AddedTokenDefinition } from './bpe-definition.js';
import { characterClasses, whiteSpaceClass } from './character-classes.js';
import type { TextTransform } from './normalize-text.js';
import type { AddedTokenFlags } from './pipeline-definition.js';

/** A stretch of text between added tokens (`atStart`: it begins the text), or an added token's id. */
export type Segment = { id: number } | { text: string; atStart: boolean };

/** Rust regex's Unicode `\w`, which HF's `single_word` checks on each side of a match. */
const wordCharacter = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;

interface Matcher {
  pattern: RegExp;
  tokens: Map<string, AddedTokenDefinition & AddedTokenFlags>;
}

function buildMatcher(tokens: Array<AddedTokenDefinition & AddedTokenFlags>): Matcher | undefined {
  const byContent = new Map<string, AddedTokenDefinition & AddedTokenFlags>();
  for (const token of tokens)
    if (token.content !== '' && !byContent.has(token.content)) byContent.set(token.content, token);
  if (byContent.size === 0) return undefined;
  // Longest first: the regex then finds the leftmost-longest match, as HF's Aho-Corasick automaton does.
  const contents = [...byContent.keys()].sort((left, right) => right.length - left.length);
  const pattern = new RegExp(contents.map((text) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|'), 'gu');
  return { pattern, tokens: byContent };
}

/**
 * HF's `AddedVocabulary::extract_and_normalize`: tokens with `normalized: false` are found in the raw text;
 * the text between them is normalized, and tokens with `normalized: true` (their content normalized) are
 * found in that.
 */
export class AddedTokenSplitter {
  readonly #raw: Matcher | undefined;
  readonly #normalized: Matcher | undefined;
  readonly #normalize: TextTransform | undefined;

  constructor(tokens: AddedTokenDefinition[], flags: AddedTokenFlags[], normalize: TextTransform | undefined) {
    const flagsById = new Map(flags.map((flag) => [flag.id, flag]));
    const all = tokens.map((token) => ({
      ...token,
      singleWord: flagsById.get(token.id)?.singleWord ?? false,
      normalized: flagsById.get(token.id)?.normalized ?? false,
    }));
    // A normalized token's content is already its normalized text (see parseTokenizerJson).
    const matchers = (normalized: boolean): Matcher | undefined =>
      buildMatcher(all.filter((token) => token.normalized === normalized));
    this.#raw = matchers(false);
    this.#normalized = matchers(true);
    this.#normalize = normalize;
  }

  /** The segments of `text`, normalized; `parseSpecial` false leaves special tokens' strings as text. */
  split(text: string, parseSpecial: boolean): Segment[] {
    const segments: Segment[] = [];
    for (const segment of findMatches(text, true, this.#raw, parseSpecial)) {
      if ('id' in segment) segments.push(segment);
      else {
        const normalized = this.#normalize === undefined ? segment.text : this.#normalize(segment.text);
        segments.push(...findMatches(normalized, segment.atStart, this.#normalized, parseSpecial));
      }
    }
    return segments;
  }
}

function isSpace(text: string, index: number): boolean {
  return characterClasses()[text.charCodeAt(index)] === whiteSpaceClass;
}

/**
 * HF's `find_matches`: the added tokens of `sentence`, with their single_word, lstrip and rstrip rules.
 * Without `parseSpecial` (HF's `encode_special_tokens`) a special token's match is passed over as text.
 */
function findMatches(
  sentence: string,
  atStart: boolean,
  matcher: Matcher | undefined,
  parseSpecial: boolean,
): Segment[] {
  if (matcher === undefined) return [{ text: sentence, atStart }];
  const segments: Segment[] = [];
  let offset = 0;
  for (const match of sentence.matchAll(matcher.pattern)) {
    const token = matcher.tokens.get(match[0]) as AddedTokenDefinition & AddedTokenFlags;
    let start = match.index;
    let stop = start + match[0].length;
    if (!parseSpecial && token.special) continue;
    if (token.singleWord) {
      const before =
        start === 0
          ? ''
          : String.fromCodePoint(
              sentence.codePointAt(start - (/[\udc00-\udfff]/.test(sentence[start - 1] ?? '') ? 2 : 1)) ?? 0,
            );
      const after = stop === sentence.length ? '' : String.fromCodePoint(sentence.codePointAt(stop) ?? 0);
      if (wordCharacter.test(before) || wordCharacter.test(after)) continue;
    }
    if (token.lstrip) {
      let newStart = start;
      while (newStart > 0 && isSpace(sentence, newStart - 1)) newStart--;
      start = Math.max(newStart, offset);
    }
    if (token.rstrip) while (stop < sentence.length && isSpace(sentence, stop)) stop++;
    if (offset < start) segments.push({ text: sentence.slice(offset, start), atStart: atStart && offset === 0 });
    segments.push({ id: token.id });
    offset = stop;
  }
  if (offset !== sentence.length || segments.length === 0)
    segments.push({ text: sentence.slice(offset), atStart: atStart && offset === 0 });
  return segments;
}
