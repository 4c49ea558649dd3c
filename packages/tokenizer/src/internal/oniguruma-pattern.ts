import { TokenizerUnsupportedError } from '../errors.js';
import { letterRanges, numberRanges, whiteSpaceRanges } from './unicode-classes.js';

/** Class contents (no brackets) of inclusive code-point ranges. */
function rangesClass(ranges: readonly number[]): string {
  const hex = (code: number): string => `\\u{${code.toString(16)}}`;
  let text = '';
  for (let index = 0; index < ranges.length; index += 2) {
    const first = ranges[index] as number;
    const last = ranges[index + 1] as number;
    text += first === last ? hex(first) : `${hex(first)}-${hex(last)}`;
  }
  return text;
}

let classes: { space: string; letter: string; number: string } | undefined;

/**
 * `\s`, `\p{L}` and `\p{N}` as Oniguruma has them, from the tables the fast path uses (Unicode White_Space,
 * not JavaScript's `\s`, which adds U+FEFF and lacks U+0085; letters and numbers of one Unicode version
 * whatever the Node).
 */
function knownClasses(): { space: string; letter: string; number: string } {
  classes ??= {
    space: rangesClass(whiteSpaceRanges),
    letter: rangesClass(letterRanges),
    number: rangesClass(numberRanges),
  };
  return classes;
}

/** The characters that `letter` matches case-insensitively (JavaScript's `iu` folding, as Oniguruma's: `s` also matches U+017F). */
function caseVariants(letter: string): string {
  let variants = '';
  for (const candidate of new Set([letter.toLowerCase(), letter.toUpperCase(), '\u017f', '\u212a']))
    if (new RegExp(`^${letter}$`, 'iu').test(candidate)) variants += candidate;
  return variants;
}

/**
 * A JavaScript RegExp (flags `gu`) that finds what the Oniguruma pattern of a `tokenizer.json` finds, for
 * the constructs tokenizer files use: `(?i:…)` groups of ASCII letters, `\s \S \d \D \w \W \p{…} \P{…}`,
 * `.`, `^`, `$` with Ruby's line semantics. Anything else that could differ is refused by name.
 */
export function convertOnigurumaPattern(pattern: string, where: string): RegExp {
  const known = knownClasses();
  const refuse = (what: string): TokenizerUnsupportedError =>
    new TokenizerUnsupportedError(
      `${where}: the regex ${JSON.stringify(pattern)} uses ${what}, which this package does not translate from Oniguruma.`,
    );
  const property = (name: string, negated: boolean, inClass: boolean): string => {
    const table = name === 'L' ? known.letter : name === 'N' ? known.number : undefined;
    if (table === undefined) return `\\${negated ? 'P' : 'p'}{${name}}`;
    if (inClass) {
      if (negated) return `\\P{${name}}`;
      return table;
    }
    return negated ? `[^${table}]` : `[${table}]`;
  };
  let out = '';
  let inClass = false;
  /** One entry per open group: whether it is case-insensitive. */
  const groups: boolean[] = [];
  const ignoreCase = (): boolean => groups.includes(true);
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index] as string;
    if (character === '\\') {
      const next = pattern[index + 1];
      if (next === undefined) throw refuse('a trailing backslash');
      index++;
      if (next === 'p' || next === 'P') {
        const close = pattern.indexOf('}', index);
        if (pattern[index + 1] !== '{' || close < 0) throw refuse(`\\${next} without {…}`);
        out += property(pattern.slice(index + 2, close), next === 'P', inClass);
        index = close;
      } else if (next === 's') out += inClass ? known.space : `[${known.space}]`;
      else if (next === 'S') {
        if (inClass) throw refuse('\\S inside a character class');
        out += `[^${known.space}]`;
      } else if (next === 'd') out += '\\p{Nd}';
      else if (next === 'D') out += '\\P{Nd}';
      else if (next === 'w') out += inClass ? '\\p{L}\\p{M}\\p{Nd}\\p{Pc}' : '[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]';
      else if (next === 'W') {
        if (inClass) throw refuse('\\W inside a character class');
        out += '[^\\p{L}\\p{M}\\p{Nd}\\p{Pc}]';
      } else if (/[rntfv0]/.test(next)) out += `\\${next}`;
      else if (next === 'x' || next === 'u') {
        const hex = /^(?:\{[0-9a-fA-F]+\}|[0-9a-fA-F]{2,4})/.exec(pattern.slice(index + 1))?.[0];
        if (hex === undefined) throw refuse(`\\${next} without hex digits`);
        out += `\\u{${hex.replace(/[{}]/g, '')}}`;
        index += hex.length;
      } else if (/[A-Za-z0-9]/.test(next)) throw refuse(`\\${next}`);
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (character === ']') inClass = false;
      else if (character === '[') throw refuse('a nested character class');
      else if (character === '&' && pattern[index + 1] === '&') throw refuse('class intersection (&&)');
      if (ignoreCase() && /[A-Za-z]/.test(character)) out += caseVariants(character);
      else if (character === '/' || character === '{' || character === '}' || character === '(' || character === ')')
        out += `\\${character}`;
      else out += character;
      continue;
    }
    if (character === '[') {
      if (pattern[index + 1] === ':' || (pattern[index + 1] === '^' && pattern[index + 2] === ':'))
        throw refuse('a POSIX bracket');
      inClass = true;
      out += character;
      if (pattern[index + 1] === '^') {
        out += '^';
        index++;
      }
      if (pattern[index + 1] === ']') {
        out += '\\]';
        index++;
      }
    } else if (character === '(') {
      if (pattern[index + 1] !== '?') {
        groups.push(false);
        out += '(';
        continue;
      }
      const rest = pattern.slice(index + 2);
      const flags = /^([imx-]+):/.exec(rest);
      if (flags !== null) {
        if (flags[1] !== 'i') throw refuse(`the group flags (?${flags[1]}:`);
        groups.push(true);
        out += '(?:';
        index += 1 + flags[0].length;
      } else if (/^(?::|=|!|<=|<!|<[A-Za-z])/.test(rest)) {
        groups.push(false);
        out += '(?';
      } else throw refuse(`the group (?${rest.slice(0, 2)}`);
      if (flags === null) index++;
    } else if (character === ')') {
      groups.pop();
      out += ')';
    } else if (character === '.') out += '[^\\n]';
    else if (character === '$') out += '(?![^\\n])';
    else if (character === '^') out += '(?<![^\\n])';
    else if (
      (character === '+' || character === '*' || character === '?' || character === '}') &&
      pattern[index + 1] === '+'
    )
      throw refuse('a possessive quantifier');
    else if (ignoreCase() && /[A-Za-z]/.test(character)) out += `[${caseVariants(character)}]`;
    else if (ignoreCase() && /\p{L}/u.test(character)) throw refuse('a non-ASCII letter in a (?i:…) group');
    else if (character === '/') out += '\\/';
    else out += character;
  }
  try {
    return new RegExp(out, 'gu');
  } catch (error) {
    throw new TokenizerUnsupportedError(
      `${where}: the regex ${JSON.stringify(pattern)} cannot be used here (${(error as Error).message}).`,
      { cause: error },
    );
  }
}

/** A literal string as a RegExp (flags `gu`). */
export function literalPattern(text: string): RegExp {
  return new RegExp(text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), 'gu');
}
