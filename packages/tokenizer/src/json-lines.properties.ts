// Properties of the JSONL line handling of encodeJsonLines/decodeJsonLines, run in a worker by
// json-lines-properties.test.ts: random lines give exactly the records a plain reading finds, in order, and
// every other non-blank line is a TokenizerInputError with its number: skipped and counted, or thrown first.

import { BadLinePolicy, type TextLine } from '@aquila/files';
import fc from 'fast-check';
import { decodeJsonLines } from './decode-json-lines.js';
import { encodeJsonLines } from './encode-json-lines.js';
import { TokenizerInputError } from './errors.js';
import { loadAquilaTokenizer } from './load-aquila-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';

async function* numbered(lines: readonly string[]): AsyncGenerator<TextLine> {
  for (const [index, text] of lines.entries()) yield { text, line: index + 1 };
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const result: string[] = [];
  for await (const line of lines) result.push(line);
  return result;
}

/** Edits a few characters of a line: broken JSON, and sometimes still valid JSON of another shape. */
function mutated(line: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(
      line,
      fc.array(
        fc.tuple(fc.nat(), fc.constantFrom('', '"', '{', '}', '[', ']', ',', ':', '\\', '1', '-', ' ', 'x', '\u0000')),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([text, edits]) => {
      let result = text;
      for (const [at, insert] of edits) {
        const position = at % (result.length + 1);
        result = result.slice(0, position) + insert + result.slice(position + 1);
      }
      return result;
    });
}

const anyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('</s>', '[CLS] x', 'SELECT * FROM "t"'),
);
const blank = fc.constantFrom('', ' ', '\t', '  \u00a0');

type Reading<T> = { record: T } | { bad: true } | { blank: true };

/** A plain reading of one line, independent of the code under test: blank, not JSON, or the value `pick` finds in it. */
function expectedReading<T>(line: string, pick: (value: unknown) => T | undefined): Reading<T> {
  if (line.trim() === '') return { blank: true };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { bad: true };
  }
  const record = pick(value);
  return record === undefined ? { bad: true } : { record };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An encode line: a JSON string, or an object with a string `text`. */
function expectedText(line: string): Reading<string> {
  return expectedReading(line, (value) =>
    typeof value === 'string'
      ? value
      : isObject(value) && Object.hasOwn(value, 'text') && typeof value.text === 'string'
        ? value.text
        : undefined,
  );
}

/** A decode line: an array of ids, or an object with `ids`, every id a token of the vocabulary. */
function expectedIds(line: string, vocabSize: number): Reading<number[]> {
  return expectedReading(line, (value) => {
    const ids = Array.isArray(value)
      ? value
      : typeof value === 'object' && value !== null && Object.hasOwn(value, 'ids')
        ? (value as { ids: unknown }).ids
        : undefined;
    return Array.isArray(ids) &&
      ids.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < vocabSize)
      ? (ids as number[])
      : undefined;
  });
}

/** Checks one run: with skipping, the records and the skipped line numbers; without, the first bad line thrown. */
async function check<T>(
  lines: string[],
  expected: Array<Reading<T>>,
  run: (lines: AsyncIterable<TextLine>, badLines: BadLinePolicy) => AsyncIterable<string>,
  write: (record: T) => string,
): Promise<void> {
  const records = expected.flatMap((reading) => ('record' in reading ? [write(reading.record)] : []));
  const badNumbers = expected.flatMap((reading, index) => ('bad' in reading ? [index + 1] : []));
  const skipping = new BadLinePolicy({ skip: true, keep: lines.length });
  const output = await collect(run(numbered(lines), skipping));
  if (JSON.stringify(output) !== JSON.stringify(records))
    throw new Error(`records differ for ${JSON.stringify(lines)}: ${JSON.stringify(output)}`);
  const skipped = skipping.first.map(({ line }) => line);
  if (skipping.count !== badNumbers.length || JSON.stringify(skipped) !== JSON.stringify(badNumbers))
    throw new Error(
      `skipped ${JSON.stringify(skipped)}, expected ${JSON.stringify(badNumbers)} for ${JSON.stringify(lines)}`,
    );
  try {
    await collect(run(numbered(lines), new BadLinePolicy()));
    if (badNumbers.length > 0) throw new Error(`no error for bad line ${badNumbers[0]} of ${JSON.stringify(lines)}`);
  } catch (error) {
    if (!TokenizerInputError.isInstance(error)) throw error;
    if (error.line !== badNumbers[0])
      throw new Error(`error at line ${error.line}, expected ${badNumbers[0]}: ${error.message}`);
  }
}

let tokenizer: Tokenizer | undefined;

export async function encodeLinesGiveRecordsOrBadLines(): Promise<void> {
  tokenizer ??= await loadAquilaTokenizer();
  const aquila = tokenizer;
  const record = anyText.map((text) => JSON.stringify({ text }));
  const line = fc.oneof(
    record,
    anyText.map((text) => JSON.stringify(text)),
    fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
    mutated(record),
    anyText,
    blank,
    fc.constantFrom('{"text": 1}', '{"__proto__": "x"}', '{"body": "x"}', 'null', '[]'),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 12 }), fc.integer({ min: 1, max: 4 }), async (lines, batchSize) => {
      await check(
        lines,
        lines.map(expectedText),
        (input, badLines) =>
          encodeJsonLines({ tokenizer: aquila, lines: input, badLines, batchSize, threads: 1, source: 'fuzz.jsonl' }),
        (text) => JSON.stringify({ ids: aquila.encode(text) }),
      );
    }),
    { numRuns: 2000 },
  );
}

export async function decodeLinesGiveRecordsOrBadLines(): Promise<void> {
  tokenizer ??= await loadAquilaTokenizer();
  const aquila = tokenizer;
  const id = fc.oneof(
    fc.integer({ min: 0, max: aquila.vocabSize - 1 }),
    fc.constantFrom(-1, aquila.vocabSize, 0.5, 1e21, 2 ** 53),
    fc.jsonValue({ maxDepth: 0 }),
  );
  const record = fc.array(id, { maxLength: 6 }).map((ids) => JSON.stringify({ ids }));
  const line = fc.oneof(
    record,
    fc.array(fc.integer({ min: 0, max: 100_007 }), { maxLength: 5 }).map((ids) => JSON.stringify(ids)),
    mutated(record),
    fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
    anyText,
    blank,
  );
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 12 }), async (lines) => {
      await check(
        lines,
        lines.map((text) => expectedIds(text, aquila.vocabSize)),
        (input, badLines) => decodeJsonLines({ tokenizer: aquila, lines: input, badLines, source: 'fuzz.jsonl' }),
        (ids) => JSON.stringify({ text: aquila.decode(ids) }),
      );
    }),
    { numRuns: 2000 },
  );
}
