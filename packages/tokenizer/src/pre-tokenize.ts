import { characterClasses, otherClass, whiteSpaceClass } from './internal/character-classes.js';

const apostrophe = 0x27;
const space = 0x20;

/**
 * Where the GPT-2 piece that starts at `start` ends. A hand-written scanner with exactly the semantics of
 * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (Python `regex` / Oniguruma,
 * \s = White_Space) over UTF-16, about 3x faster than V8's RegExp and free of JavaScript's own \s.
 */
export function pieceEnd(text: string, start: number, end: number, classes: Uint8Array): number {
  let unit = text.charCodeAt(start);
  if (unit === apostrophe && start + 1 < end) {
    const next = text.charCodeAt(start + 1);
    if (next === 0x73 || next === 0x74 || next === 0x6d || next === 0x64) return start + 2; // 's 't 'm 'd
    if (start + 2 < end) {
      const third = text.charCodeAt(start + 2);
      if ((next === 0x72 || next === 0x76) && third === 0x65) return start + 3; // 're 've
      if (next === 0x6c && third === 0x6c) return start + 3; // 'll
    }
  }
  let position = start;
  let kind = classAt(text, position, end, classes);
  if (unit === space && start + 1 < end) {
    const following = classAt(text, start + 1, end, classes);
    if (following !== whiteSpaceClass) {
      // ` ?X+`: the space joins the run of letters, numbers or other characters after it.
      position = start + 1;
      kind = following;
      unit = text.charCodeAt(position);
    }
  }
  if (kind === whiteSpaceClass) {
    // White space is always one UTF-16 unit. `\s+(?!\S)` leaves the last one of a run that a non-space follows.
    let runEnd = start + 1;
    while (runEnd < end && classes[text.charCodeAt(runEnd)] === whiteSpaceClass) runEnd++;
    if (runEnd === end || runEnd - start === 1) return runEnd;
    return runEnd - 1;
  }
  // A run of one class; astral characters take two units.
  while (position < end) {
    const code = text.charCodeAt(position);
    if (code < 0xd800 || code > 0xdfff) {
      if (classes[code] !== kind) break;
      position++;
    } else {
      const width = code <= 0xdbff && position + 1 < end && isLowSurrogate(text.charCodeAt(position + 1)) ? 2 : 1;
      const codePoint =
        width === 2 ? ((code - 0xd800) << 10) + (text.charCodeAt(position + 1) - 0xdc00) + 0x10000 : code;
      if ((width === 2 ? classes[codePoint] : otherClass) !== kind) break;
      position += width;
    }
  }
  return position;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function classAt(text: string, position: number, end: number, classes: Uint8Array): number {
  const code = text.charCodeAt(position);
  if (code < 0xd800 || code > 0xdfff) return classes[code] ?? otherClass;
  if (code <= 0xdbff && position + 1 < end) {
    const low = text.charCodeAt(position + 1);
    if (isLowSurrogate(low)) return classes[((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000] ?? otherClass;
  }
  return otherClass; // a lone surrogate, encoded as U+FFFD (category So)
}

/** The pieces of `text` (no special tokens), for tests and tools; the encoder scans in place. */
export function preTokenize(text: string): string[] {
  const classes = characterClasses();
  const pieces: string[] = [];
  for (let start = 0; start < text.length; ) {
    const end = pieceEnd(text, start, text.length, classes);
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
