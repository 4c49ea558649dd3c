// Properties of the CSV reader, run in a worker with a wall-clock limit (parse-csv.test.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SourceFormatError } from '../errors.js';
import { type CsvRow, parseCsv } from './parse-csv.js';
import { readCsvObjects } from './read-csv-objects.js';

/** The text in pieces of the given sizes, as a stream would deliver it. */
export async function* chunked(text: string, sizes: number[]): AsyncGenerator<string> {
  let index = 0;
  for (let position = 0; position < text.length; index++) {
    const size = Math.max(1, sizes[index % Math.max(1, sizes.length)] ?? text.length);
    yield text.slice(position, position + size);
    position += size;
  }
}

// The independent reference: how Python's csv.writer (QUOTE_MINIMAL) writes rows; empty fields are quoted so a
// row of one empty field is not a blank line.
function writeCsv(rows: string[][], newline: string): string {
  return (
    rows
      .map((row) =>
        row
          .map((field) => (/[",\r\n]/.test(field) || field === '' ? `"${field.replaceAll('"', '""')}"` : field))
          .join(','),
      )
      .join(newline) + newline
  );
}

async function parse(
  text: string,
  sizes: number[],
  maxFieldLength?: number,
): Promise<{ rows: CsvRow[] } | { error: string }> {
  const rows: CsvRow[] = [];
  try {
    for await (const row of parseCsv(chunked(text, sizes), {
      file: 'fuzz.csv',
      ...(maxFieldLength === undefined ? {} : { maxFieldLength }),
    }))
      rows.push(row);
  } catch (error) {
    if (!(error instanceof SourceFormatError)) throw new Error(`not a SourceFormatError: ${String(error)}`);
    if (!error.message.startsWith('fuzz.csv: ') || /[\r\n]/.test(error.message))
      throw new Error(`the message does not name the file in one line: ${error.message}`);
    return { error: error.message };
  }
  return { rows };
}

const csvUnit = fc.constantFrom('a', 'é', '語', ' ', ',', '"', '\n', '\r\n', '\r', '\ufeff', '😀');
const field = fc.string({ unit: csvUnit, maxLength: 8 });
const chunkSizes = fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 5 });

export async function parsesWhatAWriterWrote(): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
      chunkSizes,
      fc.constantFrom('\n', '\r\n'),
      async (rows, sizes, newline) => {
        const parsed = await parse(writeCsv(rows, newline), sizes);
        if (!('rows' in parsed) || JSON.stringify(parsed.rows.map((row) => row.fields)) !== JSON.stringify(rows))
          throw new Error(`parsed ${JSON.stringify(parsed)}`);
      },
    ),
    { numRuns: 4000 },
  );
}

/** Any text gives rows or a SourceFormatError, never a hang or another error, and the same result however it is chunked. */
export async function anyTextParsesTheSameInAnyChunks(): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: csvUnit, maxLength: 60 }),
      chunkSizes,
      fc.option(fc.integer({ min: 1, max: 6 })),
      async (text, sizes, limit) => {
        const maxFieldLength = limit ?? undefined;
        const whole = await parse(text, [text.length + 1], maxFieldLength);
        const pieces = await parse(text, sizes, maxFieldLength);
        if (JSON.stringify(whole) !== JSON.stringify(pieces))
          throw new Error(`whole ${JSON.stringify(whole)} ≠ chunked ${JSON.stringify(pieces)}`);
        if ('rows' in whole) {
          let previous = 0;
          for (const row of whole.rows) {
            if (row.line <= previous || row.fields.length === 0)
              throw new Error(`rows out of order or empty: ${JSON.stringify(whole.rows)}`);
            previous = row.line;
          }
        }
      },
    ),
    { numRuns: 6000 },
  );
}

/** A file as a user has it (a BOM, CRLF, any read size) reads as the same table the writer wrote. */
export async function filesReadBackWithBomAndCrlf(): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'aquila-csv-properties-'));
  try {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom('\n', '\r\n'),
        fc.integer({ min: 1, max: 16 }),
        async (rows, bom, newline, highWaterMark) => {
          count += 1;
          const path = join(directory, `${count}.csv`);
          await writeFile(path, `${bom ? '\ufeff' : ''}${writeCsv([['question', 'sql'], ...rows], newline)}`);
          const read: string[][] = [];
          for await (const event of readCsvObjects({ path, requiredColumns: ['question', 'sql'], highWaterMark })) {
            if (event.type !== 'row') throw new Error(`a bad row: ${JSON.stringify(event)}`);
            read.push([event.row.question!, event.row.sql!]);
          }
          await rm(path);
          if (JSON.stringify(read) !== JSON.stringify(rows)) throw new Error(`read ${JSON.stringify(read)}`);
        },
      ),
      { numRuns: 2000 },
    );
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
