// Properties of the JSONL line reader of packJsonl, run in a worker with a wall-clock limit (json-line-text.test.ts).

import { BadLineError } from '@aquila/files';
import fc from 'fast-check';
import { jsonLineText } from './json-line-text.js';

const jsonUnit = fc.constantFrom(
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  '\\',
  'u',
  '0',
  'text',
  'null',
  ' ',
  '\r',
  '\u2028',
  'é',
  '😀',
  '\ud800',
);

function readsOrRefuses(text: string, jsonKey: string): void {
  try {
    const value = jsonLineText({ text, line: 7, source: 'fuzz.jsonl', jsonKey });
    if (typeof value !== 'string') throw new Error('not a string');
  } catch (error) {
    if (!BadLineError.isInstance(error)) throw new Error(`not a BadLineError: ${String(error)}`);
    if (error.source !== 'fuzz.jsonl' || error.line !== 7 || /[\r\n\u2028\u2029]/.test(error.problem))
      throw new Error(`the problem does not fit one line at fuzz.jsonl:7: ${JSON.stringify(error.problem)}`);
  }
}

/** Any line gives the document's text or a BadLineError at its file:line with a one-line problem. */
export function anyLineReadsOrRefuses(): void {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ unit: jsonUnit, maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.json()),
      fc.constantFrom('text', 'a b', '__proto__', '', 'constructor'),
      readsOrRefuses,
    ),
    { numRuns: 20_000 },
  );
}

/** A line written by JSON.stringify gives back exactly the string at the key, whatever else the object holds. */
export function writtenLinesReadBack(): void {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary' }),
      fc.string(),
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
      (text, jsonKey, others) => {
        const line = JSON.stringify({ ...others, [jsonKey]: text });
        if (jsonLineText({ text: line, line: 1, source: 'fuzz.jsonl', jsonKey }) !== text)
          throw new Error(`${line} did not give back ${JSON.stringify(text)}`);
      },
    ),
    { numRuns: 10_000 },
  );
}
