import { pieceEnd } from '../pre-tokenize.js';
import { characterClasses } from './character-classes.js';
import { patternRegExp } from './normalize-text.js';
import type { PreTokenizerDefinition, SplitBehavior } from './pipeline-definition.js';

/** A piece of text on its way to the model; `atStart`: it begins where the encoded text begins (Metaspace `first`). */
export interface Piece {
  text: string;
  atStart: boolean;
}

export type PreTokenizer = (pieces: Piece[]) => Piece[];

/** `[start, end, isMatch]` spans covering a text, in order, as HF's `Pattern::find_matches` gives them. */
type Span = [number, number, boolean];

/** HF `NormalizedString::split`: the spans regrouped by `behavior`; empty pieces dropped. */
function splitSpans(piece: Piece, spans: Span[], behavior: SplitBehavior): Piece[] {
  const kept: Array<[number, number]> = [];
  let previousMatch = false;
  if (behavior === 'MergedWithNext') {
    for (let index = spans.length - 1; index >= 0; index--) {
      const [start, end, isMatch] = spans[index] as Span;
      const last = kept.at(-1);
      if (isMatch && !previousMatch && last !== undefined) last[0] = start;
      else kept.push([start, end]);
      previousMatch = isMatch;
    }
    kept.reverse();
  } else {
    for (const [start, end, isMatch] of spans) {
      const last = kept.at(-1);
      if (behavior === 'Removed') {
        if (!isMatch) kept.push([start, end]);
      } else if (behavior === 'Isolated') kept.push([start, end]);
      else if (
        last !== undefined &&
        (behavior === 'Contiguous' ? isMatch === previousMatch : isMatch && !previousMatch)
      )
        last[1] = end;
      else kept.push([start, end]);
      previousMatch = isMatch;
    }
  }
  return kept
    .filter(([start, end]) => end > start)
    .map(([start, end]) => ({ text: piece.text.slice(start, end), atStart: piece.atStart && start === 0 }));
}

function regexSpans(text: string, pattern: RegExp, invert: boolean): Span[] {
  const spans: Span[] = [];
  let previous = 0;
  for (const match of text.matchAll(pattern)) {
    const start = match.index;
    const end = start + match[0].length;
    if (previous !== start) spans.push([previous, start, invert]);
    spans.push([start, end, !invert]);
    previous = end;
  }
  if (previous !== text.length) spans.push([previous, text.length, invert]);
  return spans;
}

/** Each character for which `test` holds is a match of its own (HF's `Fn(char) -> bool` pattern). */
function characterSpans(text: string, test: (code: number) => boolean): Span[] {
  const spans: Span[] = [];
  let last = 0;
  for (let index = 0; index < text.length; ) {
    const code = text.codePointAt(index) as number;
    const width = code > 0xffff ? 2 : 1;
    if (test(code)) {
      if (last < index) spans.push([last, index, false]);
      spans.push([index, index + width, true]);
      last = index + width;
    }
    index += width;
  }
  if (last < text.length) spans.push([last, text.length, false]);
  return spans;
}

/** A pre-tokenizer as a function over pieces, with the semantics of HF `tokenizers`. */
export function buildPreTokenizer(definition: PreTokenizerDefinition, where: string): PreTokenizer {
  const each =
    (split: (piece: Piece) => Piece[]): PreTokenizer =>
    (pieces) =>
      pieces.flatMap(split);
  switch (definition.type) {
    case 'Split': {
      const pattern = patternRegExp(definition.pattern, `${where}.pattern`);
      const { behavior, invert } = definition;
      return each((piece) => splitSpans(piece, regexSpans(piece.text, pattern, invert), behavior));
    }
    case 'Digits': {
      const classes = characterClasses();
      const number = classes['1'.charCodeAt(0)] as number;
      const behavior = definition.individualDigits ? 'Isolated' : 'Contiguous';
      return each((piece) =>
        splitSpans(
          piece,
          characterSpans(piece.text, (code) => classes[code] === number),
          behavior,
        ),
      );
    }
    case 'Metaspace': {
      const { replacement, prependScheme, split } = definition;
      const code = replacement.codePointAt(0) as number;
      return each((piece) => {
        let text = piece.text.replaceAll(' ', replacement);
        if (
          !text.startsWith(replacement) &&
          (prependScheme === 'always' || (prependScheme === 'first' && piece.atStart))
        )
          text = replacement + text;
        const replaced = { text, atStart: piece.atStart };
        return split
          ? splitSpans(
              replaced,
              characterSpans(text, (candidate) => candidate === code),
              'MergedWithNext',
            )
          : [replaced];
      });
    }
    case 'ByteLevel': {
      const { addPrefixSpace, useRegex } = definition;
      const classes = characterClasses();
      return each((piece) => {
        const text = addPrefixSpace && !piece.text.startsWith(' ') ? ` ${piece.text}` : piece.text;
        if (!useRegex) return [{ text, atStart: piece.atStart }];
        const pieces: Piece[] = [];
        for (let start = 0; start < text.length; ) {
          const end = pieceEnd(text, start, text.length, classes);
          pieces.push({ text: text.slice(start, end), atStart: piece.atStart && start === 0 });
          start = end;
        }
        return pieces;
      });
    }
    case 'Sequence': {
      const steps = definition.preTokenizers.map((step, index) =>
        buildPreTokenizer(step, `${where}.pretokenizers[${index}]`),
      );
      return (pieces) => steps.reduce((current, step) => step(current), pieces);
    }
  }
}
