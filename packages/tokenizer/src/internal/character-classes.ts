import { letterRanges, numberRanges, whiteSpaceRanges } from './unicode-classes.js';

/** Classes of the GPT-2 pattern: anything else, \p{L}, \p{N}, \s (Unicode White_Space). */
export const otherClass = 0;
const letterClass = 1;
const numberClass = 2;
export const whiteSpaceClass = 3;

function buildClassTable(): Uint8Array {
  // One byte per code point (1.1 MB): a single indexed load per character in the scanner.
  const table = new Uint8Array(0x110000);
  const fill = (ranges: readonly number[], value: number): void => {
    for (let index = 0; index < ranges.length; index += 2)
      table.fill(value, ranges[index], (ranges[index + 1] ?? 0) + 1);
  };
  fill(letterRanges, letterClass);
  fill(numberRanges, numberClass);
  fill(whiteSpaceRanges, whiteSpaceClass);
  return table;
}

let classTable: Uint8Array | undefined;

/** The class of every code point (lone surrogates are `otherClass`, like the U+FFFD they encode as). */
export function characterClasses(): Uint8Array {
  classTable ??= buildClassTable();
  return classTable;
}
